"""What a turn writes through: the store satisfies :class:`Recorder`; ``core`` never imports the store.

A turn calls these methods in a worker thread (``asyncio.to_thread``), never on the event loop, so a
database that is slow or locked by another program holds up only the turn, never the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from claude_textual.core.model import Block, Message, Status, Usage


class RecordError(Exception):
    """The history could not take a write; the message says why and what to do (``StoreError`` is one)."""


@dataclass(frozen=True)
class NotSaved:
    """Something the turn shows could not be written to the history; ``message`` says what and why."""

    message: str

    def __str__(self) -> str:
        return self.message


class Recorder(Protocol):
    def add_message(self, conversation_id: str, message: Message) -> Message:
        """Append ``message`` after the conversation's leaf; returns it with id, seq and parent set."""
        ...

    def load_messages(self, conversation_id: str) -> list[Message]:
        """The conversation's current branch, oldest first."""
        ...

    def save_reply(
        self,
        message: Message,
        api_message: dict[str, Any] | None,
        *,
        status: Status,
        error: str | None = None,
        saved: dict[int, Block] | None = None,
    ) -> dict[int, Block]:
        """Store a reply (partial or final); returns what to pass as ``saved`` next time."""
        ...

    def add_usage(self, message: Message, usage: Usage) -> None: ...

    def files(self, hashes: list[str]) -> dict[str, bytes]:
        """The attached files kept under these hashes (``core/attachments.py``)."""
        ...

    def touch(self, message: Message) -> None:
        """Mark a streaming reply as alive."""
        ...

    def set_leaf(self, conversation_id: str, message_id: str | None) -> None:
        """Make the next message added follow ``message_id`` (None: be a first message)."""
        ...
