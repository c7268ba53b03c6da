"""Make the README's screenshots: the real app at 120x40 on a history of realistic conversations.

    python screenshots/make.py [FOLDER]    (default: this folder)

The history is built here (several conversations; one with folded thinking, a tool call and its
result, a reply retried into a second branch, a PDF attached; one citing its web sources; priced usage
over two weeks); a reply with a code block streams from a loopback Messages API and is caught mid-way.
Each screen is saved as an SVG: chat, streaming, search, usage, settings, export, help and a reply
citing its sources.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from claude_textual.config import Settings  # noqa: E402
from claude_textual.core.loopback import LoopbackServer, Reply, sse  # noqa: E402
from claude_textual.core.model import Message, Usage, user_text_message  # noqa: E402
from claude_textual.store.history import History  # noqa: E402

MODEL = "claude-sonnet-5-5"
SIZE = (120, 40)
NOW = datetime.now(UTC)

BACKOFF = """Wrap the call in a loop that waits twice as long after each failure, with jitter so that many
clients do not retry in step, and give up after a few attempts:

```python
import asyncio
import random

async def with_backoff(call, *, attempts=5, base=0.5, cap=30.0):
    for attempt in range(attempts):
        try:
            return await call()
        except (TimeoutError, ConnectionError):
            if attempt == attempts - 1:
                raise
            delay = min(cap, base * 2 ** attempt)
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
```

- **Retry only what can succeed later**: timeouts, connection resets, `429` and `5xx`.
- **Honour `retry-after`** when the server sends it; it knows better than your backoff."""

RETRIED = """Use `tenacity`, which does this declaratively:

```python
from tenacity import retry, stop_after_attempt, wait_random_exponential

@retry(wait=wait_random_exponential(multiplier=0.5, max=30), stop=stop_after_attempt(5))
async def fetch(session, url):
    async with session.get(url) as reply:
        reply.raise_for_status()
        return await reply.json()
```"""

STREAMED = """Here is a small LRU cache with a time-to-live, in the standard library only:

```python
from collections import OrderedDict
from time import monotonic

class TTLCache:
    def __init__(self, size=128, ttl=60.0):
        self.size, self.ttl = size, ttl
        self.items = OrderedDict()

    def get(self, key):
        value, born = self.items.pop(key)
        if monotonic() - born > self.ttl:
            raise KeyError(key)
        self.items[key] = (value, born)
        return value
"""


def usage(inp: int, out: int, read: int, write: int, days_ago: float) -> Usage:
    return Usage(
        raw={
            "input_tokens": inp,
            "output_tokens": out,
            "cache_read_input_tokens": read,
            "cache_creation_input_tokens": write,
        },
        model=MODEL,
        ttft_ms=620,
        duration_ms=4200,
        created_at=NOW - timedelta(days=days_ago),
    )


def reply(content: list[dict], days_ago: float, **counts: int) -> Message:
    message = Message(role="assistant", content=content, model=MODEL, stop_reason="end_turn")
    message.usage = usage(
        counts.get("inp", 40), counts.get("out", 600), counts.get("read", 0), counts.get("write", 0), days_ago
    )
    return message


def conversation(store: History, title: str, hours_ago: float, messages: list[Message]) -> str:
    """Store a conversation as it was ``hours_ago`` (its messages a minute apart, usage kept)."""
    from claude_textual.core.model import Conversation
    from claude_textual.store.history import new_id

    start = NOW - timedelta(hours=hours_ago)
    for n, message in enumerate(messages):
        message.id = message.id or new_id()
        message.created_at = message.updated_at = start + timedelta(minutes=n)
        if message.usage is not None:
            message.usage.created_at = message.created_at
    end, ident = messages[-1].created_at, new_id()
    store.import_conversation(Conversation(ident, title, MODEL, created_at=start, updated_at=end), messages)
    return ident


def build_history(db: Path, folder: Path) -> str:
    """Conversations two weeks of use leave: the newest on top of the list, the last one open; returns
    the id of the one that cites its sources."""
    from claude_textual.core import attachments
    from tests.files import pdf

    store = History(db)
    try:
        for n, (title, prompt, answer) in enumerate(
            [
                ("Plan three days in Lisbon", "Plan three days in Lisbon in March.", "Day 1: Alfama…"),
                ("SQLite WAL mode, explained", "What does WAL mode change?", "Readers do not block…"),
                ("Refactor a React hook", "Make this hook cancel stale fetches.", "Use an AbortController…"),
                ("Regex for ISO dates", "A regex for ISO 8601 dates?", "`^\\d{4}-\\d{2}-\\d{2}$` …"),
            ]
        ):
            answer_message = reply([{"type": "text", "text": answer}], 0, inp=900, out=700, write=2100)
            conversation(store, title, 300 - n * 60, [user_text_message(prompt), answer_message])
        report = attachments.read(pdf(folder / "q3-report.pdf", pages=12, pad=40_000))
        store.put_files([(report.data, report.media_type)])
        conversation(
            store,
            "Summarise the Q3 report",
            50,
            [
                attachments.prompt_message("Summarise this in five bullets.", [report]),
                reply([{"type": "text", "text": "1. Revenue grew 14%…"}], 0, inp=30, out=800, write=26_000),
            ],
        )
        cited = [
            {
                "type": "web_search_result_location",
                "url": "https://docs.anthropic.com/en/docs/about-claude/models/migrating",
                "title": "Migrating to Claude Sonnet 5.5",
                "cited_text": "thinking can no longer be disabled…",
                "encrypted_index": "demo",
            }
        ]
        cites = conversation(
            store,
            "What changed in Sonnet 5.5?",
            20,
            [
                user_text_message("What changed for API users in Sonnet 5.5?"),
                reply(
                    [
                        {
                            "type": "text",
                            "text": "Two things change when you move a client to Sonnet 5.5:\n\n",
                        },
                        {
                            "type": "text",
                            "text": "thinking cannot be turned off (its lowest setting is `between_tools`)",
                            "citations": cited,
                        },
                        {"type": "text", "text": ", and sampling parameters are refused."},
                    ],
                    0,
                    inp=1200,
                    out=900,
                    read=8000,
                ),
            ],
        )
        prompt = user_text_message("How do I retry an async HTTP call with backoff?")
        prompt.id = "prompt-backoff"
        first = reply([{"type": "text", "text": RETRIED}], 0, inp=60, out=300, write=1800)
        first.parent_id, first.extra = prompt.id, {"superseded": True}
        thinking = {
            "type": "thinking",
            "thinking": "They want a pattern, not a library: exponential backoff with jitter, a cap, and "
            "which errors are worth retrying. Show the loop, then the two rules that matter.",
            "signature": "demo",
        }
        second = reply([thinking, {"type": "text", "text": BACKOFF}], 0, inp=60, out=900, read=1800)
        second.parent_id = prompt.id  # the retry: a second branch beside the first answer, ‹ 2/2 ›
        call = {"type": "tool_use", "id": "toolu_1", "name": "read_file", "input": {"path": "client.py"}}
        result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "async def get(url): ..."}
        done = "It does not: `get` calls the server once. Wrap it in `with_backoff`."
        conversation(
            store,
            "Retry with exponential backoff",
            0.5,
            [
                prompt,
                first,
                second,
                user_text_message("Does my client already do this? Check client.py."),
                reply([{"type": "text", "text": "Let me read it."}, call], 0, inp=80, out=120, read=3000),
                Message(role="user", content=[result]),
                reply([{"type": "text", "text": done}], 0, inp=90, out=200, read=3400),
            ],
        )
    finally:
        store.close()
    return cites


def streaming_server(hold: threading.Event) -> LoopbackServer:
    """A Messages API whose reply streams STREAMED, then waits on ``hold`` before it ends."""

    def events() -> Iterator[bytes]:
        start = {"id": "msg_shot", "type": "message", "role": "assistant", "model": MODEL, "content": []}
        start.update(stop_reason=None, stop_sequence=None, usage={"input_tokens": 3100, "output_tokens": 1})
        yield sse("message_start", {"type": "message_start", "message": start})
        yield sse(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        )
        for n in range(0, len(STREAMED), 40):
            delta = {"type": "text_delta", "text": STREAMED[n : n + 40]}
            yield sse("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta})
        hold.wait(60)
        yield sse("content_block_stop", {"type": "content_block_stop", "index": 0})
        delta = {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}}
        yield sse("message_delta", {**delta, "usage": {"output_tokens": 240}})
        yield sse("message_stop", {"type": "message_stop"})

    return LoopbackServer(lambda body: Reply(200, events(), {"content-type": "text/event-stream"}))


SCREENS = (
    ("usage", "usage", ("Cost by day", "genai-prices")),
    ("options", "settings", ("claude-sonnet-5-5", "Thinking")),
    ("export", "export", ("Export conversation", "retry-with-exponential-backoff")),
    ("help", "help", ("Ctrl+S",)),
)
"""The app's action, the picture's name, and what it shows once it is drawn."""


def shown_text(svg: str) -> str:
    """The text an SVG screenshot draws, its runs put together (Rich writes one ``<text>`` per run)."""
    import html
    import re

    runs = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    return html.unescape("".join(runs)).replace("\xa0", " ")


async def wait_for(pilot, predicate, what: str, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise RuntimeError(f"screenshots: timed out waiting for {what}")
        await pilot.pause(0.05)


async def shoot(folder: Path, work: Path) -> list[Path]:
    from claude_textual.ui.app import ClaudeApp
    from claude_textual.ui.widgets.blocks import TextView
    from claude_textual.ui.widgets.message import AssistantMessage

    db = work / "history.db"
    cites = build_history(db, work)
    hold = threading.Event()
    saved: list[Path] = []
    with streaming_server(hold) as server:
        settings = Settings(model=MODEL, max_retries=0, theme="textual-dark")
        app = ClaudeApp(settings, db, api_key="sk-screenshots", base_url=server.url, resume="last")

        async def save(name: str, *shows: str) -> None:
            """Save the screen once it shows ``shows`` (a screen fills in over a few frames)."""
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30
            while not all(text in shown_text(svg := app.export_screenshot()) for text in shows):
                if loop.time() > deadline:
                    raise RuntimeError(f"screenshots: {name} never showed {shows}")
                await pilot.pause(0.05)
            path = folder / f"{name}.svg"
            path.write_text(svg, encoding="utf-8")
            saved.append(path)

        async with app.run_test(size=SIZE) as pilot:
            chat = app.screen
            await wait_for(pilot, lambda: len(chat.query(AssistantMessage)) >= 3, "the conversation")
            chat.query_one("#messages").focus()
            await pilot.press("k", "k", "k", "k", "k")  # up to the first prompt: the retried reply below it
            await save("chat", "‹ 2/2 ›", "Thinking")
            chat.query_one("#prompt").focus()
            prompt = chat.query_one("#prompt")
            prompt.insert("A small TTL cache without dependencies?")
            await pilot.press("ctrl+s")
            await wait_for(
                pilot, lambda: any("return value" in v.source for v in chat.query(TextView)), "the stream"
            )
            await save("streaming", "streaming…", "TTLCache")
            hold.set()
            await wait_for(pilot, lambda: not chat.streaming(), "the reply's end")
            await app.run_action("search")
            await pilot.press(*"backoff")
            await save("search", "3 matches")
            for action, name, shows in SCREENS:
                await pilot.press("escape")
                await app.run_action(action)
                await save(name, *shows)
            await pilot.press("escape")
            chat.open(cites)
            await save("citations", "[1] Migrating to Claude Sonnet 5.5", "between_tools)[1]")

    return saved


def make(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    folder = folder.resolve()
    here = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="projects-") as work:
        os.chdir(work)  # the export dialog offers to save where the app was started
        try:
            return asyncio.run(shoot(folder, Path(work)))
        finally:
            os.chdir(here)


if __name__ == "__main__":
    for path in make(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent):
        print(path)
