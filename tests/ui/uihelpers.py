"""Helpers shared by the Pilot tests: waiting, typing, reading what the user sees, building streams."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from textual.notifications import Notification, Notify
from textual.widgets import Static
from textual.widgets._toast import Toast

from claude_textual.core.loopback import Piece, Reply, sse
from claude_textual.ui.widgets.message import AssistantMessage, UserMessage
from claude_textual.ui.widgets.status_bar import StatusBar
from tests.conftest import SSE

SIZE = (120, 40)


async def wait_for(pilot: Any, predicate: Callable[[], Any], timeout: float = 30, what: str = "") -> Any:
    """Poll ``predicate`` between short pauses until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
        await pilot.pause(0.05)


class NotificationLog:
    """A ``message_hook`` for ``run_test`` that keeps every notification posted (they never expire here)."""

    def __init__(self) -> None:
        self.items: list[Notification] = []

    def __call__(self, message: Any) -> None:
        if isinstance(message, Notify):
            self.items.append(message.notification)

    def of(self, severity: str) -> list[Notification]:
        return [n for n in self.items if n.severity == severity]


def run(app: Any, log: NotificationLog | None = None):
    """``app.run_test`` at 120x40 with toasts rendered (and, optionally, notifications logged)."""
    return app.run_test(size=SIZE, notifications=True, message_hook=log)


async def ready(pilot: Any) -> None:
    """Wait until the history database is open (a thread worker opens it)."""
    await wait_for(pilot, lambda: pilot.app.screen.session.store is not None, what="history opened")


def assistants(app: Any) -> list[AssistantMessage]:
    return list(app.screen.query(AssistantMessage))


def users(app: Any) -> list[UserMessage]:
    return list(app.screen.query(UserMessage))


def idle(app: Any) -> bool:
    """No turn running, every reply on screen settled, status bar not busy."""
    screen = app.screen
    worker = screen.turn_worker
    return (
        (worker is None or worker.is_finished)
        and all(not a.streaming for a in assistants(app))
        and app.screen.query_one(StatusBar).state == ""
    )


async def send(pilot: Any, text: str, *, typed: bool = False) -> None:
    """Put ``text`` in the prompt box (pasted in one go, or typed key by key: ~50 ms a key) and press Ctrl+S."""
    prompt = pilot.app.screen.query_one("#prompt")
    prompt.focus()
    if typed:
        await pilot.press(*text)
    else:
        prompt.insert(text)
    await pilot.press("ctrl+s")


async def send_and_wait(
    pilot: Any, text: str, replies: int = 1, timeout: float = 30, *, typed: bool = False
) -> None:
    """Send ``text`` and wait until ``replies`` more replies have settled."""
    before = len(assistants(pilot.app))
    await send(pilot, text, typed=typed)
    await wait_for(
        pilot,
        lambda: len(assistants(pilot.app)) >= before + replies and idle(pilot.app),
        timeout,
        f"{replies} reply(s) to {text!r}",
    )


def plain(widget: Static) -> str:
    """The text a Static shows."""
    return str(widget.visual) if hasattr(widget, "visual") else str(widget.render())


def footer(reply: AssistantMessage) -> str:
    """The reply's footer line ("" while it is not mounted yet: a busy machine mounts it a frame later)."""
    found = reply.query(".reply-footer")
    return plain(found.first(Static)) if found else ""


def panel_body(view: Any) -> str:
    return plain(view.query_one(".panel-body", Static))


def toasts(app: Any, severity: str = "error") -> list[str]:
    """The text of the toasts shown on screen with ``severity``."""
    return [str(t.render()) for t in app.screen.query(Toast) if t.has_class(f"-{severity}")]


# ---- streams ----------------------------------------------------------------------------------------
def fixture_blocks(name: str) -> list[dict[str, str]]:
    """Each block of a recorded stream with its streamed text (text, thinking or input JSON) joined."""
    blocks: dict[int, dict[str, str]] = {}
    for frame in (SSE / name).read_text().replace("\r\n", "\n").split("\n\n"):
        data = [line[5:].strip() for line in frame.splitlines() if line.startswith("data:")]
        if not data:
            continue
        event = json.loads("".join(data))
        if event.get("type") == "content_block_start":
            blocks[event["index"]] = {"type": event["content_block"]["type"], "text": ""}
        elif event.get("type") == "content_block_delta":
            delta = event["delta"]
            piece = delta.get("text") or delta.get("thinking") or delta.get("partial_json") or ""
            blocks[event["index"]]["text"] += piece
    return [blocks[i] for i in sorted(blocks)]


def streamed(
    blocks: Iterable[tuple[str, Iterable[str]]],
    *,
    pause: float = 0.05,
    stop_reason: str = "end_turn",
    input_tokens: int = 10,
    model: str = "claude-test-stream",
    signature: str = "sig-ui",
) -> Reply:
    """A complete SSE reply of ``(block type, pieces)`` with ``pause`` seconds between deltas; thinking
    blocks are signed ``loopback:<model>:<signature>``."""

    def pieces() -> Iterator[Piece]:
        yield sse(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_ui_test",
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "model": model,
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": input_tokens, "output_tokens": 1},
                },
            },
        )
        out = 1
        for index, (kind, parts) in enumerate(blocks):
            if kind == "thinking":
                start: dict[str, Any] = {"type": "thinking", "thinking": "", "signature": ""}
                delta_type, field = "thinking_delta", "thinking"
            else:
                start = {"type": "text", "text": ""}
                delta_type, field = "text_delta", "text"
            yield sse(
                "content_block_start", {"type": "content_block_start", "index": index, "content_block": start}
            )
            for part in parts:
                out += 1
                yield sse(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": delta_type, field: part},
                    },
                )
                if pause:
                    yield pause
            if kind == "thinking":
                signed = {"type": "signature_delta", "signature": f"loopback:{model}:{signature}"}
                yield sse(
                    "content_block_delta", {"type": "content_block_delta", "index": index, "delta": signed}
                )
            yield sse("content_block_stop", {"type": "content_block_stop", "index": index})
        yield sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": out},
            },
        )
        yield sse("message_stop", {"type": "message_stop"})

    return Reply(200, list(pieces()), {"content-type": "text/event-stream; charset=utf-8"})


async def run_from_palette(pilot: Any, typed: str, title: str) -> None:
    """Ctrl+P, type ``typed``, wait until the first hit is ``title`` (the search runs in a worker), Enter."""
    from textual.command import CommandList

    await pilot.press("ctrl+p")
    await pilot.press(*typed)

    def first() -> str:
        found = pilot.app.screen.query(CommandList)
        hits = found.first() if found else None
        return str(hits.get_option_at_index(0).prompt) if hits is not None and hits.option_count else ""

    await wait_for(pilot, lambda: title in first(), what=f"{title!r} first in the palette")
    await pilot.press("enter")
