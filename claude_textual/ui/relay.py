"""From a running turn to the widgets: each core event becomes a typed message (:mod:`ui.messages`)
posted to every widget that owns a state it changes; streamed pieces are merged first."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import TYPE_CHECKING

from claude_textual.core import stream, turn
from claude_textual.ui import messages as m

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

BUSY = 0.01
"""Seconds of work after which the turn worker lets the event loop run (see ``DeltaBatcher.pace``)."""

FRAME = 1 / 50
"""A little more than a frame of Textual's screen updates (60 a second)."""

_STREAMED = {
    stream.ReplyStarted: (m.ReplyStarted, ("pane",)),
    stream.BlockStarted: (m.BlockStarted, ("pane", "status")),
    stream.BlockDelta: (m.BlockDelta, ("pane",)),
    stream.BlockStopped: (m.BlockStopped, ("pane",)),
    stream.UsageUpdated: (m.UsageUpdated, ("status",)),
}
"""A streamed event of a reply: its message and who owns what it changes."""

_OWNERS: dict[type, tuple[Callable[[turn.TurnEvent], m.TurnMessage], tuple[str, ...]]] = {
    turn.PromptSaved: (lambda e: m.PromptSaved(e.message), ("pane", "prompt")),
    turn.MessageSaved: (lambda e: m.ResultsSaved(e.message), ("pane",)),
    turn.SaveFailed: (m.SaveFailed, ("status", "screen")),
    turn.ReplyOpened: (lambda e: m.ReplyOpened(e.message), ("pane", "status")),
    turn.Waiting: (m.RetryWaiting, ("pane", "status")),
    turn.ReplyClosed: (m.ReplyClosed, ("pane", "status", "screen")),
    turn.ToolStarted: (m.ToolStarted, ("pane", "status")),
    turn.ToolFinished: (m.ToolFinished, ("pane", "status")),
    turn.ToolNotice: (lambda e: m.Notice(e.text, "Tools"), ("screen",)),
    turn.Notice: (lambda e: m.Notice(e.text), ("screen",)),
}
"""Any other turn event: how it becomes a message and who owns what it changes."""


class Relay:
    """Posts turn events to their owners, named ``pane``, ``status``, ``prompt`` and ``screen``."""

    def __init__(self, **owners: MessagePump) -> None:
        self.owners = owners

    def __call__(self, event: turn.TurnEvent) -> None:
        if isinstance(event, turn.ReplyEvent):
            cls, names = _STREAMED[type(event.event)]
            for name in names:
                self.owners[name].post_message(cls(event.message, event.event))  # type: ignore[call-arg]
            return
        make, names = _OWNERS[type(event)]
        for name in names:
            self.owners[name].post_message(make(event))


class DeltaBatcher:
    """Passes a turn's events on to ``post``, merging streamed pieces.

    Consecutive pieces of the same block that arrive within ``window`` seconds of the first go out
    as one event: a message per SSE event costs the UI more than painting does, and the views only
    repaint a few times a second anyway. Any other event first sends what is pending, so the order
    never changes and the last piece goes out with the event that ends its block, without waiting.
    """

    def __init__(self, post: Callable[[turn.TurnEvent], object], window: float = 0.05) -> None:
        self.post = post
        self.window = window
        self.pending: turn.ReplyEvent | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._block_ended = False
        self._busy_since = self._last_add = 0.0

    def add(self, event: turn.TurnEvent) -> None:
        item = event.event if isinstance(event, turn.ReplyEvent) else None
        if not isinstance(item, stream.BlockDelta):
            self.flush()
            self.post(event)
            self._block_ended = isinstance(item, stream.BlockStopped)
            return
        assert isinstance(event, turn.ReplyEvent)
        pending = self.pending
        if pending is not None:
            first = pending.event
            assert isinstance(first, stream.BlockDelta)
            if pending.message is event.message and first.index == item.index and first.kind == item.kind:
                self.pending = turn.ReplyEvent(
                    event.message, stream.BlockDelta(item.index, item.kind, first.text + item.text)
                )
                return
            self.flush()
        self.pending = event
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
            self.post(pending)


async def follow(events: AsyncIterator[turn.TurnEvent], post: Callable[[turn.TurnEvent], object]) -> None:
    """Pass a turn's ``events`` to ``post`` as they come, streamed pieces merged, letting the screen run
    between them; closing this (a cancel) closes the turn at once."""
    batcher = DeltaBatcher(post)
    try:
        async with aclosing(events) as stream:
            async for event in stream:
                batcher.add(event)
                await batcher.pace()
    finally:
        batcher.flush()
