"""Fenced code blocks in Markdown: found by the Markdown parser (to copy one out of a reply), and
recognised line by line (to follow a reply's big code block while it streams).

Both follow CommonMark: a fence is three or more backticks or tildes indented at most three spaces,
closed by a line of at least as many of the same character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN = re.compile(r" {0,3}(`{3,}|~{3,})(.*)$")


@dataclass(frozen=True)
class CodeBlock:
    language: str
    code: str

    def summary(self) -> str:
        lines = self.code.splitlines()
        first = lines[0].strip() if lines else ""
        count = f"{len(lines)} line{'s' if len(lines) != 1 else ''}"
        return f"{self.language or 'code'} · {count} · {first[:50]}"


def code_blocks(markdown: str) -> list[CodeBlock]:
    """Every fenced code block in ``markdown``, in order, wherever it stands (in a list item or a
    quote too); one left open runs to the end of the text, as the Markdown renderer draws it."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(markdown)
    return [
        CodeBlock(t.info.strip().partition(" ")[0], t.content.removesuffix("\n"))
        for t in tokens
        if t.type == "fence"
    ]


def fence_opening(line: str) -> tuple[str, int, str] | None:
    """(fence character, fence length, info string) when ``line`` opens a fenced code block."""
    match = _OPEN.match(line)
    if match is None:
        return None
    marker, info = match.groups()
    if marker[0] == "`" and "`" in info:  # not a fence: an inline code span
        return None
    return marker[0], len(marker), info.strip()


def closes(line: str, char: str, length: int) -> bool:
    """``line`` closes a fence of ``length`` ``char``s (up to 3 spaces, as many or more, then blanks)."""
    stripped = line.strip(" ")
    return (
        len(line) - len(line.lstrip(" ")) <= 3
        and len(stripped.rstrip()) >= length
        and set(stripped.rstrip()) == {char}
    )
