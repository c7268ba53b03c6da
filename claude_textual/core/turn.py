"""One turn of a conversation: the prompt saved, the reply streamed and saved, the tool loop run.

Everything is written to the store as it happens: the user message before the request, the reply
as a ``streaming`` row checkpointed while it arrives, then its final state and usage. A failure or a
cancel never loses what arrived.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from claude_textual.config import Settings
from claude_textual.core.client import ApiFailure
from claude_textual.core.model import Message, Status, Usage, tool_uses
from claude_textual.core.requests import build_params, unavailable_results
from claude_textual.core.stream import ReplyStream, StreamEvent
from claude_textual.store.history import History

MAX_TOOL_ROUNDS = 8


@dataclass(frozen=True)
class MessageSaved:
    """A message that is complete as it stands (the prompt, or tool results) was stored."""

    message: Message


@dataclass(frozen=True)
class ReplyOpened:
    """An assistant reply row was created and its request is on its way."""

    message: Message


@dataclass(frozen=True)
class ReplyEvent:
    message: Message
    event: StreamEvent


@dataclass(frozen=True)
class ReplyClosed:
    """The reply ended: ``message.status`` says how, ``failure`` why when it did not complete."""

    message: Message
    failure: ApiFailure | None


TurnEvent = MessageSaved | ReplyOpened | ReplyEvent | ReplyClosed


class Turn:
    """Send ``prompt`` in conversation ``conversation_id`` and run until Claude stops asking for tools."""

    def __init__(
        self, history: History, conversation_id: str, settings: Settings, client: Any, *, model: str | None = None
    ) -> None:
        self.history = history
        self.conversation_id = conversation_id
        self.settings = settings
        self.client = client
        self.model = model or settings.model
        self.reply: Message | None = None
        self.checkpoint_interval = 1.0

    async def run(self, prompt: Message | None) -> AsyncIterator[TurnEvent]:
        """Store ``prompt`` (None: answer the history as it stands) and stream replies."""
        if prompt is not None:
            yield MessageSaved(self.history.add_message(self.conversation_id, prompt))
        for _ in range(MAX_TOOL_ROUNDS):
            async with aclosing(self._reply()) as events:  # closing this turn closes the reply too
                async for event in events:
                    yield event
            reply = self.reply
            if reply is None or reply.status is not Status.COMPLETE or reply.stop_reason != "tool_use":
                return
            results = Message(role="user", content=unavailable_results(reply))
            yield MessageSaved(self.history.add_message(self.conversation_id, results))

    async def _reply(self) -> AsyncIterator[TurnEvent]:
        history = self.history.load_messages(self.conversation_id)
        params = build_params(history, self.settings, model=self.model)
        reply = self.history.add_message(
            self.conversation_id, Message(role="assistant", content=[], model=self.model, status=Status.STREAMING)
        )
        self.reply = reply
        yield ReplyOpened(reply)
        saved: dict[int, Any] = {}

        def checkpoint(partial: dict[str, Any]) -> None:
            nonlocal saved
            saved = self.history.save_reply(reply, partial, status=Status.STREAMING, saved=saved)

        stream = ReplyStream(self.client, params, checkpoint, self.checkpoint_interval)
        try:
            async with aclosing(stream.events()) as events:
                async for event in events:
                    yield ReplyEvent(reply, event)
        finally:
            self._close(reply, stream, saved)
        yield ReplyClosed(reply, stream.outcome.failure)

    def _close(self, reply: Message, stream: ReplyStream, saved: dict[int, Any]) -> None:
        """Save the reply's final state and its usage record, whatever ended it."""
        outcome = stream.outcome
        status = outcome.status if outcome.status is not Status.STREAMING else Status.INTERRUPTED
        failure = outcome.failure
        self.history.save_reply(
            reply, outcome.message, status=status, error=str(failure) if failure else None, saved=saved
        )
        if outcome.message is not None:
            self.history.add_usage(reply, Usage(
                raw=outcome.message.get("usage") or {}, request_id=outcome.request_id,
                model=outcome.message.get("model"), ttft_ms=outcome.ttft_ms, duration_ms=outcome.duration_ms,
            ))


def title_from(prompt: str, length: int) -> str:
    line = " ".join(prompt.split())
    return line if len(line) <= length else line[: length - 1].rstrip() + "…"


async def drain(turn: Turn, prompt: Message | None) -> list[TurnEvent]:
    """Run a turn to the end and return its events (the command line and tests use this)."""
    return [event async for event in turn.run(prompt)]

