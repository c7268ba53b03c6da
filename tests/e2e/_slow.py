"""Slow streamed replies for the end-to-end tests, recording what the loopback server has sent so far."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from claude_textual.core.loopback import Piece, Reply, sse


class Served:
    """The text deltas a slow reply has handed to the server so far, with when."""

    def __init__(self) -> None:
        self.pieces: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def add(self, text: str) -> None:
        with self._lock:
            self.pieces.append((time.monotonic(), text))

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.pieces)

    def text(self) -> str:
        with self._lock:
            return "".join(text for _, text in self.pieces)

    def span(self) -> float:
        """Seconds from the first delta served to the last."""
        with self._lock:
            return self.pieces[-1][0] - self.pieces[0][0] if self.pieces else 0.0


def words(tag: str, count: int) -> list[str]:
    return [f"{tag}{n:02d} " for n in range(count)]


def slow_text_reply(
    parts: list[str], served: Served | None = None, pause: float = 0.1, msg_id: str = "msg_slow"
) -> Reply:
    """A complete one-text-block reply, one delta per part, ``pause`` seconds apart; each delta is
    recorded in ``served`` as the server writes it (the body is a generator the server reads lazily)."""

    def delta(text: str) -> bytes:
        return sse(
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}},
        )

    def body() -> Iterator[Piece]:
        yield sse(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": msg_id,
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "model": "claude-test",
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": 12, "output_tokens": 1},
                },
            },
        )
        yield sse(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        )
        for part in parts:
            if served is not None:
                served.add(part)
            yield delta(part)
            yield pause
        yield sse("content_block_stop", {"type": "content_block_stop", "index": 0})
        yield sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn"},
                "usage": {"output_tokens": len(parts) + 1},
            },
        )
        yield sse("message_stop", {"type": "message_stop"})

    return Reply(200, body(), {"content-type": "text/event-stream"})


def prompt_of(body: dict[str, Any]) -> str:
    """The text of the last user turn of a request."""
    last = body["messages"][-1]
    content = last["content"]
    return content if isinstance(content, str) else "".join(b.get("text", "") for b in content)
