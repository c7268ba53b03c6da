"""Export a conversation: JSON with every block exactly as the API shaped it.

The messages given are usually the current branch (``History.load_messages``); with every branch
(``History.all_messages``) the JSON still imports back whole, as each message names its parent.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from claude_textual.core.attachments import stored_sources
from claude_textual.core.model import Conversation, Message
from claude_textual.core.sanitize import inert_json

if TYPE_CHECKING:
    from claude_textual.store.history import History

Files = dict[str, bytes]
"""Attached files by hash, as the history keeps them (``History.files``)."""


def attached_files(history: History, messages: list[Message]) -> Files:
    """The files the messages' attachments name, read from the history (for JSON and HTML)."""
    hashes = sorted({s["sha256"] for s in stored_sources(messages) if isinstance(s.get("sha256"), str)})
    return history.files(hashes) if hashes else {}


def message_dict(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "parent_id": message.parent_id,
        "role": message.role,
        "content": message.content,
        "stop_reason": message.stop_reason,
        "status": message.status.value,
        "error": message.error,
        "model": message.model,
        "api_id": message.api_id,
        "extra": message.extra,
        "created_at": message.created_at.isoformat(),
        "updated_at": message.updated_at.isoformat(),
        "usage": message.usage.to_dict() if message.usage else None,
    }


def conversation_dict(
    conversation: Conversation, messages: list[Message], files: Files | None = None
) -> dict[str, Any]:
    """The export; ``files`` (by hash, base64) when attachments name them, so it imports back whole."""
    data = {
        "id": conversation.id,
        "title": conversation.title,
        "model": conversation.model,
        "system": conversation.system,
        "created_at": conversation.created_at.isoformat(),
        "updated_at": conversation.updated_at.isoformat(),
        "archived": conversation.archived,
        "leaf_id": conversation.leaf_id,
        "messages": [message_dict(m) for m in messages],
    }
    types = {s.get("sha256"): s.get("media_type") for s in stored_sources(messages)}
    if files:
        data["files"] = {
            sha: {"media_type": types.get(sha), "data": base64.b64encode(raw).decode("ascii")}
            for sha, raw in sorted(files.items())
        }
    return data


def to_json(conversation: Conversation, messages: list[Message], files: Files | None = None) -> str:
    """Inert on a terminal (the characters JSON leaves raw are escaped), the same data all the same."""
    return inert_json(conversation_dict(conversation, messages, files))


def render(fmt: str, conversation: Conversation, messages: list[Message], files: Files | None = None) -> str:
    """The conversation as ``fmt`` text: ``json``, ``md`` (or ``markdown``) or ``html``; ``files`` are
    the attachments' bytes (JSON keeps them, HTML shows images inline, Markdown names them)."""
    if fmt in ("md", "markdown"):
        from claude_textual.transcripts.markdown import to_markdown

        return to_markdown(conversation, messages)
    if fmt == "html":
        from claude_textual.transcripts.html import to_html

        return to_html(conversation, messages, files)
    if fmt == "json":
        return to_json(conversation, messages, files)
    raise ValueError(f"unknown export format {fmt!r}")
