"""Event-loop lag while another process holds the history's write lock.

    python bench/locked.py [--hold 8] [--runs 3]

The real app (Pilot, 120x40, the real SDK against the loopback API) opens a conversation; a second
process takes the write lock (``BEGIN IMMEDIATE``); the user sends a prompt and types while it is held
for ``--hold`` seconds; then the lock is let go and the reply streams. A 5 ms interval timer in the
app records how late each tick fires over the whole hold; printed: max and p99 per run, their medians,
and whether the prompt and reply were saved.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from claude_textual.config import Settings  # noqa: E402
from claude_textual.core.loopback import LoopbackServer, Reply  # noqa: E402
from claude_textual.store.history import History  # noqa: E402
from tests.core._streams import stream_reply, text_reply  # noqa: E402
from tests.locker import WriteLock  # noqa: E402


def reply(_body: dict) -> Reply:
    return stream_reply(text_reply(["Saved after the lock."]))


async def until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.01)


async def one_run(db: Path, api_url: str, hold: float) -> tuple[float, float, bool]:
    from claude_textual.ui.app import ClaudeApp
    from claude_textual.ui.widgets.prompt import PromptBox

    history = History(db)
    conversation_id = history.create_conversation("bench", "claude-bench").id
    history.close()
    app = ClaudeApp(
        Settings(model="claude-bench", max_retries=0, thinking="off"),
        db,
        api_key="sk-bench",
        base_url=api_url,
        resume=conversation_id,
    )
    lags: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.screen.session.conversation_id == conversation_id)
        last = [time.monotonic()]

        def tick() -> None:
            now = time.monotonic()
            lags.append(now - last[0] - 0.005)
            last[0] = now

        with WriteLock(db) as lock:
            timer = app.set_interval(0.005, tick)
            box = app.screen.query_one(PromptBox)
            box.focus()
            await pilot.press(*"hello", "ctrl+s")
            start = time.monotonic()
            while time.monotonic() - start < hold:
                await pilot.press("x")
                await asyncio.sleep(0.05)
            timer.stop()
            lock.release()
        await until(lambda: app.screen.session.turn is not None and not app.screen.session.running)
    store = History(db)
    saved = [m.text() for m in store.load_messages(conversation_id)] == ["hello", "Saved after the lock."]
    store.close()
    lags.sort()
    return max(lags) * 1000, lags[int(len(lags) * 0.99)] * 1000, saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hold", type=float, default=8.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ["CLAUDE_TEXTUAL_BUSY_TIMEOUT"] = str(args.hold * 10)
    results = []
    with LoopbackServer(reply) as server, tempfile.TemporaryDirectory() as tmp:
        for n in range(args.runs):
            results.append(asyncio.run(one_run(Path(tmp) / f"h{n}.db", server.url, args.hold)))
            print(
                f"run {n + 1}: loop lag max {results[-1][0]:.1f} ms, p99 {results[-1][1]:.1f} ms, "
                f"saved: {results[-1][2]}"
            )
    print(
        f"median of {args.runs}: loop lag max {statistics.median(r[0] for r in results):.1f} ms, "
        f"p99 {statistics.median(r[1] for r in results):.1f} ms, lock held {args.hold:g} s, "
        f"all saved: {all(r[2] for r in results)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
