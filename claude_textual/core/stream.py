"""One streamed reply: SDK stream events in, small typed events and a saved-state snapshot out.

The SDK's own accumulator builds the message; this module reads it, times it, reports what changed
since the last event, and offers a checkpoint of the partial reply at a bounded rate.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from claude_textual.core.client import ApiFailure, describe_error
from claude_textual.core.model import Block, Status


@dataclass(frozen=True)
class ReplyStarted:
    api_id: str
    model: str


@dataclass(frozen=True)
class BlockStarted:
    index: int
    block: Block


@dataclass(frozen=True)
class BlockDelta:
    """A piece of a block: ``kind`` is the delta type (text_delta, thinking_delta, input_json_delta, …)."""

    index: int
    kind: str
    text: str


@dataclass(frozen=True)
class BlockStopped:
    index: int
    block: Block


@dataclass(frozen=True)
class UsageUpdated:
    usage: dict[str, Any]


StreamEvent = ReplyStarted | BlockStarted | BlockDelta | BlockStopped | UsageUpdated

_DELTA_FIELD = {
    "text_delta": "text",
    "thinking_delta": "thinking",
    "input_json_delta": "partial_json",
    "signature_delta": "signature",
}


@dataclass
class ReplyOutcome:
    """How the reply ended, and everything needed to save it."""

    message: dict[str, Any] | None = None
    status: Status = Status.STREAMING
    failure: ApiFailure | None = None
    request_id: str | None = None
    ttft_ms: int | None = None
    duration_ms: int | None = None
    started: float = field(default_factory=time.monotonic)


def _dump(model: Any) -> dict[str, Any]:
    # warnings=False: a block type this SDK does not know still dumps whole, without a warning on stderr
    return model.to_dict(mode="json", warnings=False)


def _delta_text(delta: Any) -> str:
    name = _DELTA_FIELD.get(delta.type)
    if name is not None:
        return getattr(delta, name, "") or ""
    return ""


class ReplyStream:
    """Runs ``client.messages.stream(**params)`` (``client.beta.messages`` when ``params`` name ``betas``)
    and yields StreamEvents.

    ``checkpoint`` is called with the partial message (API shape) at most every ``interval`` seconds
    while content arrives; if it raises, checkpoints stop (``checkpoint_error`` says why) and the reply
    still streams to the end. After iteration (normal, failed or cancelled) ``outcome`` says how it ended.
    """

    def __init__(
        self,
        client: Any,
        params: dict[str, Any],
        checkpoint: Callable[[dict[str, Any]], None] | None = None,
        interval: float = 1.0,
    ) -> None:
        self.client = client
        self.params = params
        self.checkpoint = checkpoint
        self.interval = interval
        self.outcome = ReplyOutcome()
        self._snapshot: Any = None
        self._last_checkpoint = 0.0
        self.checkpoint_error: Exception | None = None
        self._stopped = False  # message_stop arrived
        """Why a checkpoint failed (checkpoints then stop); the stream itself carries on."""

    def snapshot(self) -> dict[str, Any] | None:
        """The reply so far in API shape, or None before ``message_start``."""
        return _dump(self._snapshot) if self._snapshot is not None else None

    async def events(self) -> AsyncIterator[StreamEvent]:
        outcome = self.outcome
        try:
            # a request using a beta feature (context editing, thinking binding) goes through the beta
            # API, whose stream also carries what the API did to the input
            api = self.client.beta.messages if "betas" in self.params else self.client.messages
            async with api.stream(**self.params) as stream:
                outcome.request_id = stream.request_id
                async for event in stream:
                    for item in self._translate(stream, event):
                        yield item
            outcome.status = Status.COMPLETE
        except (asyncio.CancelledError, GeneratorExit):
            outcome.status = Status.INTERRUPTED
            outcome.failure = ApiFailure("cancelled", "Stopped by you; the partial reply is kept.")
            raise
        except Exception as exc:  # every failure is reported, never raised into the UI
            if self._stopped:  # message_stop arrived: the reply is whole, the connection broke after it
                outcome.status = Status.COMPLETE
            else:
                outcome.failure = describe_error(exc)
                outcome.request_id = outcome.request_id or outcome.failure.request_id
                outcome.status = Status.ERROR
        finally:
            self._finish()

    def _translate(self, stream: Any, event: Any) -> list[StreamEvent]:
        kind = event.type
        if kind == "message_start":
            self._snapshot = stream.current_message_snapshot
            return [
                ReplyStarted(event.message.id, event.message.model),
                UsageUpdated(_dump(event.message.usage)),
            ]
        if self._snapshot is None:
            return []
        out: list[StreamEvent] = []
        if kind == "content_block_start":
            out.append(BlockStarted(event.index, _dump(event.content_block)))
        elif kind == "content_block_delta":
            if self.outcome.ttft_ms is None:
                self.outcome.ttft_ms = int((time.monotonic() - self.outcome.started) * 1000)
            out.append(BlockDelta(event.index, event.delta.type, _delta_text(event.delta)))
        elif kind == "content_block_stop":
            out.append(BlockStopped(event.index, _dump(self._snapshot.content[event.index])))
        elif kind == "message_delta":
            out.append(UsageUpdated(_dump(self._snapshot.usage)))
        elif kind == "message_stop":
            self._stopped = True
        self._maybe_checkpoint()
        return out

    def _maybe_checkpoint(self) -> None:
        now = time.monotonic()
        if self.checkpoint is not None and now - self._last_checkpoint >= self.interval:
            self._last_checkpoint = now
            try:
                self.checkpoint(_dump(self._snapshot))
            except Exception as exc:  # e.g. a full disk: the reply goes on arriving and being shown;
                self.checkpoint_error = exc  # the caller reports it if the final save fails too
                self.checkpoint = None

    def _finish(self) -> None:
        outcome = self.outcome
        outcome.duration_ms = int((time.monotonic() - outcome.started) * 1000)
        outcome.message = self.snapshot()
        if outcome.status is Status.COMPLETE:
            if outcome.message is None:
                outcome.status = Status.ERROR
                outcome.failure = ApiFailure("empty", "The API closed the stream without sending a reply.")
            elif outcome.message.get("stop_reason") is None:
                outcome.status = Status.INTERRUPTED
                outcome.failure = ApiFailure(
                    "truncated", "The stream ended before the reply was complete; the partial reply is kept."
                )
