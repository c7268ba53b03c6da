"""Big input: a 1 MB paste, a 2 MB reply, a reply that is one 100,000-line code block.

    python bench/big_input.py [--scale 1.0] [--json] [--delta-kb 0.2]

The real app runs headless under Textual's Pilot (120x40) against a loopback Messages API server in
this process, through the real SDK, on a database in a temporary directory. A 5 ms timer inside
the app (``set_interval``) records how late each tick fires: that is the event-loop lag. Three
scenarios, each in a new conversation:

paste
    A 1 MB text (lines of prose and code) pasted into the prompt box (a ``Paste`` event, as a
    terminal's bracketed paste delivers it): the time until the box holds it, and until the next
    frame has been painted (the paste accepted). Then Ctrl+S sends it, and the loopback answers
    briefly.
reply
    A 2 MB Markdown reply streamed as ``text_delta`` frames of ``--delta-kb`` KB.
code
    A reply holding one fenced code block of 100,000 lines.

For the two replies: the time from the prompt sent to the server's first delta (the SDK is imported
on the first send, so the paste pays for that), from the last byte the server sent to the final
paint (the reply closed and the frame after it painted), and the event-loop lag, max and p99, from
the first delta sent to the final paint. The server sends as fast as the socket takes it. Every scenario then reads the
database back and asserts it holds every byte (the pasted prompt and each reply, exactly); ``OK``
is printed when all do. ``--scale`` multiplies every size (``--scale 0.01`` is a quick smoke run).

This prints figures; it asserts no timing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from claude_textual.config import Settings
from claude_textual.core.loopback import LoopbackServer, Reply, model_info, sse

SIZE = (120, 40)
TICK = 0.005
PASTE_BYTES = 1_000_000
REPLY_BYTES = 2_000_000
CODE_LINES = 100_000


def prose_and_code(size: int) -> str:
    """About ``size`` characters of pasted text: paragraphs, lists and code, ending without blanks."""
    parts, total, n = [], 0, 0
    while total < size:
        n += 1
        chunk = (
            f"Paragraph {n}: the quick brown fox jumps over the lazy dog, again and again, ünïcödé ✓.\n"
            f"- item {n}.a\n- item {n}.b\n\n```python\ndef f{n}(x):\n    return x * {n}\n```\n\n"
        )
        parts.append(chunk)
        total += len(chunk)
    return "".join(parts)[:size].strip() + f"\nEND-OF-PASTE-{size}"


def markdown_reply(size: int) -> str:
    lines, total, n = [], 0, 0
    while total < size:
        n += 1
        line = (
            f"## Section {n}\n\nSome **bold** and `code` text, number {n}, with a [link](https://example.com/{n}).\n\n"
            if n % 10 == 0
            else f"Line {n} of the reply: lorem ipsum dolor sit amet, consectetur adipiscing.\n"
        )
        lines.append(line)
        total += len(line)
    return "".join(lines) + f"\nEND-OF-REPLY-{size}"


def code_reply(lines: int) -> str:
    body = "".join(f"    value_{i} = compute({i}, factor={i % 7})  # line {i}\n" for i in range(lines))
    return f"Here is the file:\n\n```python\ndef generated():\n{body}```\n\nEND-OF-CODE-{lines}"


class Server:
    """The loopback API; each reply records when its last byte was handed to the socket."""

    def __init__(self) -> None:
        self.queue: list[tuple[str, str, int]] = []  # (name, text, delta size)
        self.last_byte: dict[str, float] = {}
        self.first_byte: dict[str, float] = {}
        # a model with a 1M-token window: the 1 MB paste (about 300k tokens, counted first) fits it
        self.server = LoopbackServer(
            self.respond, models=[model_info("claude-bench", "Bench", 1_000_000)]
        ).start()

    def respond(self, body: dict[str, Any]) -> Reply:
        name, text, delta = self.queue.pop(0)
        return Reply(
            200, self.frames(name, text, delta), {"content-type": "text/event-stream; charset=utf-8"}
        )

    def frames(self, name: str, text: str, delta: int) -> Iterator[bytes]:
        yield sse(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": f"msg_{name}",
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "model": "claude-bench",
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": 10, "output_tokens": 1},
                },
            },
        )
        yield sse(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        )
        self.first_byte[name] = time.perf_counter()
        batch: list[bytes] = []
        for start in range(0, len(text), delta):
            batch.append(
                sse(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "text_delta", "text": text[start : start + delta]},
                    },
                )
            )
            if len(batch) == 16:  # a few frames per write, as a network delivers them
                yield b"".join(batch)
                batch = []
        yield b"".join(batch)
        yield sse("content_block_stop", {"type": "content_block_stop", "index": 0})
        yield sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": max(1, len(text) // 4)},
            },
        )
        yield sse("message_stop", {"type": "message_stop"})
        self.last_byte[name] = time.perf_counter()

    def stop(self) -> None:
        self.server.stop()


def lag_stats(ticks: list[float], start: float, end: float) -> dict[str, float]:
    # the ticks inside, and the last one before and the first one after: a loop blocked for the whole
    # window (a paste inserted in one synchronous call) shows as one long gap
    before = [t for t in ticks if t < start][-1:]
    after = [t for t in ticks if t > end][:1]
    window = before + [t for t in ticks if start <= t <= end] + after
    lags = [max(0.0, (b - a) - TICK) for a, b in zip(window, window[1:], strict=False)]
    if not lags:
        return {"max_ms": 0.0, "p99_ms": 0.0, "ticks": len(window)}
    ordered = sorted(lags)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return {
        "max_ms": round(max(lags) * 1000, 1),
        "p99_ms": round(p99 * 1000, 1),
        "median_ms": round(statistics.median(lags) * 1000, 2),
        "ticks": len(window),
    }


async def run_one(name: str, text: str, delta: int, workdir: Path, timeout: float) -> dict[str, Any]:
    """One scenario in a new app on its own database: ``paste`` (``text`` is the paste) or a reply
    (``text`` is what the server streams). Its figures, and whether the database holds every byte."""
    from textual import events

    from claude_textual.store.history import History
    from claude_textual.ui.app import ClaudeApp
    from claude_textual.ui.widgets.message import AssistantMessage
    from claude_textual.ui.widgets.prompt import PromptBox

    server = Server()
    server.queue = [(name, "Got it: a long paste." if name == "paste" else text, delta)]
    db = workdir / f"{name}.db"
    settings = Settings(model="claude-bench", max_retries=0, timeout=600.0, thinking="off")
    app = ClaudeApp(settings, db, api_key="sk-bench", base_url=server.server.url)
    ticks: list[float] = []
    result: dict[str, Any] = {}

    def idle() -> bool:
        screen = app.screen
        worker = screen.turn_worker
        return (
            worker is not None
            and worker.is_finished
            and not any(a.streaming for a in screen.query(AssistantMessage))
        )

    async def until(predicate, limit: float = timeout, step: float = 0.002) -> None:
        deadline = time.perf_counter() + limit
        while not predicate():
            if time.perf_counter() > deadline:
                raise TimeoutError
            await asyncio.sleep(step)

    async def painted() -> float:
        """The time the next frame after now has been painted."""
        done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        app.screen.refresh()
        app.call_after_refresh(lambda: done.done() or done.set_result(time.perf_counter()))
        return await done

    sent = time.perf_counter()
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: app.screen.session.store is not None, 60)
            app.set_interval(TICK, lambda: ticks.append(time.perf_counter()))
            await pilot.pause(0.2)
            prompt = app.screen.query_one(PromptBox)
            prompt.focus()
            if name == "paste":
                start = time.perf_counter()
                app.post_message(events.Paste(text))  # as the driver delivers a bracketed paste
                await until(lambda: prompt.text, 60, 0.0005)
                inserted = time.perf_counter()
                accepted = await painted()
                await asyncio.sleep(0.05)  # the first tick after
                result.update(
                    insert_s=round(inserted - start, 3),
                    accepted_painted_s=round(accepted - start, 3),
                    lag=lag_stats(ticks, start, accepted),
                )
            else:
                prompt.insert(f"send the {name}")
            await until(lambda: app.focused is prompt, 10)
            sent = time.perf_counter()
            await pilot.press("ctrl+s")
            await until(lambda: app.screen.turn_worker is not None, 30)  # the prompt was sent
            await until(idle)
            closed = time.perf_counter()
            final = await painted()
            first, last = server.first_byte[name], server.last_byte[name]
            if name == "paste":
                result["sent_to_reply_painted_s"] = round(final - sent, 3)
            else:
                result.update(
                    sent_to_first_byte_s=round(first - sent, 3),
                    stream_s=round(last - first, 3),
                    last_byte_to_reply_closed_s=round(closed - last, 3),
                    last_byte_to_final_paint_s=round(final - last, 3),
                    sent_to_final_paint_s=round(final - sent, 3),
                    lag=lag_stats(ticks, first, final),
                )
    except TimeoutError:
        result["timed_out_after_s"] = round(time.perf_counter() - sent, 1)
        if name in server.first_byte:
            result["lag"] = lag_stats(ticks, server.first_byte[name], time.perf_counter())
    finally:
        server.stop()

    history = History(db)  # every byte in the database?
    try:
        conversations = history.list_conversations()
        messages = history.load_messages(conversations[0].id) if conversations else []
        if not messages:
            result["database_holds_every_byte"] = False
        elif name == "paste":
            result["database_holds_every_byte"] = messages[0].text() == text.strip()
        else:
            result["database_holds_every_byte"] = (
                messages[-1].text() == text and messages[-1].status.value == "complete"
            )
    finally:
        history.close()
    return result


async def run(
    scale: float, delta_kb: float, workdir: Path, only: list[str], timeout: float
) -> dict[str, Any]:
    texts = {
        "paste": prose_and_code(max(1000, int(PASTE_BYTES * scale))),
        "reply": markdown_reply(max(2000, int(REPLY_BYTES * scale))),
        "code": code_reply(max(100, int(CODE_LINES * scale))),
    }
    delta = max(16, int(delta_kb * 1000))
    results: dict[str, Any] = {
        "sizes": {
            "paste_bytes": len(texts["paste"].encode()),
            "reply_bytes": len(texts["reply"].encode()),
            "code_lines": texts["code"].count("\n"),
            "delta_bytes": delta,
        }
    }
    for name in only:
        results[name] = await run_one(name, texts[name], delta, workdir, timeout)
    results["database_holds_every_byte"] = {name: results[name]["database_holds_every_byte"] for name in only}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size (default 1.0)")
    parser.add_argument("--delta-kb", type=float, default=0.2, help="KB of text per text_delta (default 0.2)")
    parser.add_argument("--only", default="paste,reply,code", help="scenarios to run (default: all three)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=900.0,
        help="give up on a scenario after this many seconds (default 900); reported",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    only = [n for n in args.only.split(",") if n]
    if not only or set(only) - {"paste", "reply", "code"}:
        parser.error("--only takes paste, reply and/or code")
    with tempfile.TemporaryDirectory(prefix="ct-big-") as name:
        results = asyncio.run(run(args.scale, args.delta_kb, Path(name), only, args.timeout))
    results["ok"] = all(results["database_holds_every_byte"].values())
    if args.json:
        print(json.dumps(results, indent=2))
        return 0 if results["ok"] else 1
    sizes = results["sizes"]
    print(
        f"big input (scale {args.scale:g}): paste {sizes['paste_bytes'] / 1e6:.2f} MB, reply "
        f"{sizes['reply_bytes'] / 1e6:.2f} MB, code block {sizes['code_lines']:,} lines, deltas of "
        f"{sizes['delta_bytes']} B"
    )
    for name in only:
        r = results[name]
        if "timed_out_after_s" in r:
            lag = r.get("lag", {})
            print(
                f"{name:<9} NOT DONE after {r['timed_out_after_s']} s (loop lag so far: max {lag.get('max_ms')} ms,"
                f" p99 {lag.get('p99_ms')} ms)"
            )
        elif name == "paste":
            print(
                f"paste     insert {r['insert_s']:.3f} s, accepted (painted) {r['accepted_painted_s']:.3f} s, "
                f"loop lag max {r['lag']['max_ms']} ms; sent -> reply painted {r['sent_to_reply_painted_s']:.3f} s"
                " (SDK import included)"
            )
        else:
            print(
                f"{name:<9} stream {r['stream_s']:.3f} s, last byte -> final paint "
                f"{r['last_byte_to_final_paint_s']:.3f} s, sent -> final paint {r['sent_to_final_paint_s']:.3f} s, "
                f"loop lag max {r['lag']['max_ms']} ms p99 {r['lag']['p99_ms']} ms"
            )
    held = results["database_holds_every_byte"]
    print("database holds every byte: " + ("OK" if results["ok"] else f"FAILED {held}"))
    return 0 if results["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
