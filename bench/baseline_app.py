"""The baseline for bench/stream.py: a plain Textual app streaming a reply into ``Markdown``.

    python bench/baseline_app.py [--earlier FILE.json] [--stream]

What the Textual docs suggest for streaming Markdown, and nothing more: a Header, an anchored
VerticalScroll holding one ``Markdown`` widget per earlier message (texts from ``--earlier``, a JSON
list of strings) and one for the reply, fed through ``Markdown.get_stream`` (``MarkdownStream``).
With ``--stream`` it asks the Messages API at ``ANTHROPIC_BASE_URL`` (the bench's loopback server)
for one reply through the same ``anthropic`` SDK the app uses, and writes every ``text_delta`` to
the stream as it arrives. Without it, it only shows the window (a start-up baseline).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from textual import work
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Header, Markdown


class Baseline(App):
    TITLE = "claude-textual baseline"
    CSS = "Markdown { margin: 1 0 0 0; }"

    def __init__(self, earlier: list[str], stream: bool) -> None:
        super().__init__()
        self.earlier = earlier
        self.stream = stream

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="messages"):
            for text in self.earlier:
                yield Markdown(text)
            yield Markdown(id="reply")

    def on_mount(self) -> None:
        self.query_one("#messages", VerticalScroll).anchor()
        if self.stream:
            self.run_reply()

    @work(exit_on_error=False)
    async def run_reply(self) -> None:
        import asyncio

        # the SDK import takes seconds: off the event loop, as the app does it
        anthropic = await asyncio.to_thread(__import__, "anthropic")
        client = anthropic.AsyncAnthropic(
            api_key=os.environ.get("ANTHROPIC_API_KEY", "x"),
            base_url=os.environ.get("ANTHROPIC_BASE_URL"),
            max_retries=0,
        )
        stream = Markdown.get_stream(self.query_one("#reply", Markdown))
        try:
            async with client.messages.stream(
                model="claude-bench", max_tokens=16000, messages=[{"role": "user", "content": "go"}]
            ) as reply:
                async for event in reply:
                    if event.type == "content_block_delta" and event.delta.type == "text_delta":
                        await stream.write(event.delta.text)
        finally:
            await stream.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--earlier", help="JSON file: a list of earlier messages' Markdown")
    parser.add_argument("--stream", action="store_true", help="stream one reply from ANTHROPIC_BASE_URL")
    args = parser.parse_args()
    earlier = json.loads(Path(args.earlier).read_text()) if args.earlier else []
    Baseline(earlier, args.stream).run()


if __name__ == "__main__":
    main()
