"""Typed messages that workers post; handlers on the screen own every change to the widgets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from claude_textual.core.context import Fit
    from claude_textual.core.models import Catalogue
    from claude_textual.core.model import Block, Conversation
    from claude_textual.core.tools import Decision
    from claude_textual.core.turn import ReplyEvent, TurnEvent
    from claude_textual.store.history import History


class HistoryOpened(Message):
    def __init__(self, history: History, recovered: int) -> None:
        super().__init__()
        self.history = history
        self.recovered = recovered


class PromptCounted(Message):
    """A large prompt's request was counted (``messages.count_tokens``) before sending."""

    def __init__(self, text: str, fit: Fit, catalogue: Catalogue) -> None:
        super().__init__()
        self.text = text
        self.fit = fit
        self.catalogue = catalogue
        """The model list the window came from (kept by the screen when it was fetched)."""


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


class ApprovalRequest(Message):
    """The turn asks whether a tool may run; the handler resolves ``future`` with the answer."""

    bubble = False

    def __init__(self, tool_use: Block, server: str, future: asyncio.Future[Decision]) -> None:
        super().__init__()
        self.tool_use = tool_use
        self.server = server
        self.future = future


BUSY = 0.01
"""Seconds of work after which the turn worker lets the event loop run (see ``DeltaBatcher.pace``)."""

FRAME = 1 / 50
"""A little more than a frame of Textual's screen updates (60 a second)."""


class DeltaBatcher:
    """Posts a turn's events as :class:`TurnUpdate` messages, merging streamed pieces.

    Consecutive pieces of the same block that arrive within ``window`` seconds of the first go out
    as one event: a message per SSE event costs the UI more than painting does, and the views only
    repaint a few times a second anyway. Any other event first sends what is pending, so the order
    never changes and the last piece goes out with the event that ends its block, without waiting.
    """

    def __init__(self, post: Callable[[Message], object], window: float = 0.05) -> None:
        from claude_textual.core.stream import BlockDelta
        from claude_textual.core.turn import ReplyEvent

        self._delta, self._event = BlockDelta, ReplyEvent
        self.post = post
        self.window = window
        self.pending: ReplyEvent | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._block_ended = False
        self._busy_since = self._last_add = 0.0

    def add(self, event: TurnEvent) -> None:
        item = getattr(event, "event", None)
        if not isinstance(item, self._delta):
            self.flush()
            self.post(TurnUpdate(event))
            self._block_ended = type(item).__name__ == "BlockStopped"
            return
        pending = self.pending
        if pending is not None:
            first = pending.event
            if pending.message is event.message and first.index == item.index and first.kind == item.kind:
                self.pending = self._event(event.message, self._delta(item.index, item.kind, first.text + item.text))
                return
            self.flush()
        self.pending = event  # type: ignore[assignment]
        self._timer = asyncio.get_running_loop().call_later(self.window, self.flush)

    async def pace(self) -> None:
        """Let the screen run between events, as the worker reads on.

        The SDK hands over events already buffered without ever waiting, so a burst (a slow moment
        at 500 pieces a second) would hold the event loop until it is drained: the worker steps
        aside every ``BUSY`` seconds of work. And when a block has ended, it leaves the screen a
        frame to show the block's last piece before the reply is saved (a save takes tens of ms).
        """
        now = time.monotonic()
        if now - self._last_add > 0.002:  # the worker waited for the network since: a new burst
            self._busy_since = now
        self._last_add = now
        if self._block_ended:
            self._block_ended = False
            await asyncio.sleep(FRAME)
        elif now - self._busy_since > BUSY:
            await asyncio.sleep(0)
        else:
            return
        self._busy_since = self._last_add = time.monotonic()

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.pending is not None:
            pending, self.pending = self.pending, None
            self.post(TurnUpdate(pending))
