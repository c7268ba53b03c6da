"""Typed messages that workers post; handlers on the screen own every change to the widgets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from claude_textual.core.model import Conversation
    from claude_textual.core.turn import TurnEvent
    from claude_textual.store.history import History


class HistoryOpened(Message):
    def __init__(self, history: History, recovered: int) -> None:
        super().__init__()
        self.history = history
        self.recovered = recovered


class HistoryFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class ConversationsLoaded(Message):
    """A page of the conversation list; ``total`` (first page only) counts the whole view."""

    def __init__(self, conversations: list[Conversation], *, offset: int, total: int | None) -> None:
        super().__init__()
        self.conversations = conversations
        self.offset = offset
        self.total = total


class TurnUpdate(Message):
    """One event of a running turn (prompt saved, reply opened, streamed piece, reply closed)."""

    def __init__(self, event: TurnEvent) -> None:
        super().__init__()
        self.event = event
