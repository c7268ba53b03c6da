"""Where a retry or an edit starts its branch; the store keeps the tree.

Both only move the conversation's leaf: the turn that follows appends after it, so its first
message is a sibling of what it replaces, and the old path stays, one switch away.
"""

from __future__ import annotations

from claude_textual.core.model import Message
from claude_textual.core.recorder import Recorder


def retry_from(message: Message) -> str | None:
    """The message a retry of ``message`` answers: for a reply, the one before it (inside a tool loop,
    the same tool results, so no tool runs twice); for a user message, itself (the whole turn again)."""
    return message.parent_id if message.role == "assistant" else message.id


def start_retry(recorder: Recorder, conversation_id: str, message: Message) -> None:
    """Make the next ``Turn.run(None)`` answer again what ``message`` answered (see ``retry_from``)."""
    recorder.set_leaf(conversation_id, retry_from(message))


def start_edit(recorder: Recorder, conversation_id: str, original: Message) -> None:
    """Make the next ``Turn.run(prompt)`` send ``prompt`` as a sibling of the ``original`` prompt."""
    recorder.set_leaf(conversation_id, original.parent_id)
