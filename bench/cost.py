"""What prompt caching saves: a 40-turn conversation's input cost with each cache policy, as a
fraction of the same conversation sent without caching.

    python bench/cost.py [--turns 40] [--gaps 0,6,20] [--model claude-sonnet-5-5] [--json]

The app's own turn code (``core.turn.Turn``, the history, the real SDK) talks to the loopback API with
its prompt cache (``core/prompt_cache.py``: the API's breakpoints, lookback, TTLs and minimum, about four
characters a token). The conversation: a ~1,000-token system prompt, ~300-token prompts, ~1,200-token
replies, with an idle gap of N minutes before each prompt after the first. Time is simulated: one
clock moves for the caching server and for the history's timestamps (which the ``auto`` policy reads
to see the user's pace). Input cost = uncached input + 5-minute and 1-hour cache writes + cache reads, at
the model's prices from ``core/prices.py``; output is the same with or without caching and left out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from claude_textual.config import Settings  # noqa: E402
from claude_textual.core.client import make_client  # noqa: E402
from claude_textual.core.loopback import LoopbackServer, Reply  # noqa: E402
from claude_textual.core.model import user_text_message  # noqa: E402
from claude_textual.core.prices import PriceBook  # noqa: E402
from claude_textual.core.prompt_cache import PromptCache  # noqa: E402
from claude_textual.core.turn import Turn, drain  # noqa: E402
from claude_textual.store import history as history_module  # noqa: E402
from claude_textual.store.history import History  # noqa: E402
from tests.core._streams import block_stop, finish, message_start, stream_reply, text_block  # noqa: E402  # noqa: E402

SENTENCE = "The tide comes in and the tide goes out, and the sea keeps its own time. "  # 74 characters
POLICIES = ("auto", "5m", "1h")


def words(tokens: int, seed: int) -> str:
    """About ``tokens`` tokens (four characters each) of distinct text."""
    text = f"[{seed}] " + SENTENCE * (tokens * 4 // len(SENTENCE) + 1)
    return text[: tokens * 4]


class SimulatedTime:
    """One clock for the caching server (seconds) and the history's timestamps."""

    def __init__(self) -> None:
        self.start = datetime(2026, 11, 2, 9, tzinfo=UTC)
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds

    def utcnow(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds)


async def conversation(
    policy: str, gap_min: float, turns: int, model: str, clock: SimulatedTime
) -> list[dict]:
    """Run the conversation; the usage of each request."""
    replies = iter(range(10**6))

    def respond(_body: dict) -> Reply:
        n = next(replies)
        pieces = [words(1200, 10_000 + n)[i : i + 400] for i in range(0, 4800, 400)]
        clock.seconds += 20  # the reply takes a while to stream
        return stream_reply([message_start(model=model), *text_block(0, pieces), block_stop(0), *finish()])

    settings = replace(
        Settings(), model=model, system=words(1000, 0), cache=policy, max_retries=0, timeout=60.0
    )
    with tempfile.TemporaryDirectory() as tmp, LoopbackServer(respond, cache=PromptCache(clock)) as server:
        history = History(Path(tmp) / "history.db")
        client = make_client(settings, api_key="sk-bench", base_url=server.url)
        conv = history.create_conversation("bench", model, settings.system)
        for turn in range(turns):
            if turn:
                clock.seconds += gap_min * 60
            await drain(Turn(history, conv.id, settings, client), user_text_message(words(300, turn + 1)))
        usage = [m.usage.raw for m in history.load_messages(conv.id) if m.usage is not None]
        history.close()
        await client.close()
    return usage


def input_cost(book: PriceBook, model: str, usage: list[dict]) -> float:
    when = datetime(2026, 11, 2, tzinfo=UTC)
    total = 0.0
    for raw in usage:
        cost = book.cost(model, {**raw, "output_tokens": 0}, when)
        assert cost is not None, f"no price for {model}"
        total += float(cost.usd)
    return total


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=40)
    parser.add_argument("--gaps", default="0,6,20", help="idle minutes before each prompt, comma-separated")
    parser.add_argument("--model", default="claude-sonnet-5-5")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    book = PriceBook()
    clock = SimulatedTime()
    history_module.utcnow = clock.utcnow  # the history stamps prompts on the simulated clock
    results = []
    for gap in [float(g) for g in args.gaps.split(",")]:
        base = input_cost(book, args.model, await conversation("off", gap, args.turns, args.model, clock))
        row = {"gap_min": gap, "uncached_usd": round(base, 6)}
        for policy in POLICIES:
            usage = await conversation(policy, gap, args.turns, args.model, clock)
            cost = input_cost(book, args.model, usage)
            prompt = sum(
                u["input_tokens"] + u["cache_creation_input_tokens"] + u["cache_read_input_tokens"]
                for u in usage
            )
            row[policy] = round(cost / base, 3)
            row[f"{policy}_hit_share"] = round(sum(u["cache_read_input_tokens"] for u in usage) / prompt, 3)
        results.append(row)
    if args.json:
        print(json.dumps({"model": args.model, "turns": args.turns, "rows": results}))
        return
    print(f"{args.turns} turns on {args.model}: input cost with caching / without (cache hit share)")
    print(f"{'gap':>8}  {'no cache':>10}  " + "  ".join(f"{p:>14}" for p in POLICIES))
    for row in results:
        cells = "  ".join(f"{row[p]:>6.3f} ({row[p + '_hit_share']:.0%})".rjust(14) for p in POLICIES)
        print(f"{row['gap_min']:>5.0f} min  ${row['uncached_usd']:>9.4f}  {cells}")


if __name__ == "__main__":
    asyncio.run(main())
