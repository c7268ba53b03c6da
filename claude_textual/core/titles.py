"""Titles written by a small model (``title_model``) once a conversation's first reply is in.

The request asks for a few words and no thinking, in the form the small model accepts; what comes back
is cleaned to one inert line. Anything that goes wrong leaves the first-prompt title as it is.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from claude_textual.config import Settings
from claude_textual.core.capabilities import Capabilities
from claude_textual.core.model import Message
from claude_textual.core.requests import build_params
from claude_textual.core.sanitize import inert

SYSTEM = (
    "You name conversations for a list. Reply with the title only: at most six words, in the "
    "conversation's language, no quotes, no final full stop."
)
EXCERPT = 2000
"""Characters of the prompt and of the reply the title request sends."""
TITLE_TOKENS = 40


def title_params(prompt: str, reply: str, settings: Settings, caps: Capabilities | None) -> dict[str, Any]:
    """``messages.create`` keyword arguments that ask ``settings.title_model`` for a title."""
    text = f"<prompt>\n{prompt[:EXCERPT]}\n</prompt>\n<reply>\n{reply[:EXCERPT]}\n</reply>"
    small = replace(
        settings,
        model=settings.title_model,
        thinking="off",
        effort="",
        thinking_display="",
        max_tokens=TITLE_TOKENS,
        web_search=False,
        web_fetch=False,
        code_execution=False,
    )
    return build_params(
        [Message(role="user", content=[{"type": "text", "text": text}])], small, system=SYSTEM, caps=caps
    )


def clean_title(text: str, length: int) -> str | None:
    """The first line of ``text`` as a title: inert, without quotes, Markdown marks or a final stop,
    at most ``length`` characters; None when nothing is left."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    line = re.sub(r"^(title\s*:\s*)", "", " ".join(inert(line).split()), flags=re.IGNORECASE)
    line = line.strip().strip("\"'“”‘’`*#_ ").rstrip(".").strip()
    if not line:
        return None
    return line if len(line) <= length else line[: length - 1].rstrip() + "…"
