"""Fenced code blocks in Markdown text, for copying one out of a reply."""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(
    r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)\n(?P<body>.*?)^ {0,3}(?P=fence)[`~]*[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class CodeBlock:
    language: str
    code: str

    def summary(self) -> str:
        lines = self.code.splitlines()
        first = lines[0].strip() if lines else ""
        return f"{self.language or 'code'} · {len(lines)} lines · {first[:50]}"


def code_blocks(markdown: str) -> list[CodeBlock]:
    """Every closed fenced code block in ``markdown``, in order."""
    return [
        CodeBlock(m.group("info").strip().split(" ")[0], m.group("body").rstrip("\n"))
        for m in _FENCE.finditer(markdown)
    ]
