"""Views of content blocks: Markdown text, thinking, tool calls, server tool results, anything else.

A streaming block takes pieces with ``feed`` and repaints at most ``FLUSH_HZ`` times a second;
``settle`` gives it the block as the API shaped it. A stored block is built finished, in one go.
How a block reads (titles, bodies) is :mod:`claude_textual.core.describe`, shared with the exports.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from rich.style import Style
from rich.text import Text
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Collapsible, Static

from claude_textual.core.describe import (
    classify,
    pretty_json,
    result_text,
    result_title,
    text_of,
    thinking_text,
    tool_body,
    tool_title,
)
from claude_textual.core.model import Block
from claude_textual.core.sanitize import inert
from claude_textual.transcripts._render import Sources, with_marker
from claude_textual.ui.widgets.fence import BIG_FENCE_LINES
from claude_textual.ui.widgets.markdown_lines import MarkdownLines, rich_markdown
from claude_textual.ui.widgets.streaming import FLUSH_HZ, Coalescing


class TextView(Coalescing, MarkdownLines):
    """A text block streaming in as Markdown; its citations are listed as numbered sources below it.

    Drawn with Rich Markdown like a stored reply (:class:`StoredText`), so a reply looks the same
    streaming, finished and reopened; ``source`` is the Markdown shown (made inert).
    """

    def __init__(self, block: Block | None = None) -> None:
        super().__init__(inert(text_of(block)) if block else "", reserve=RESERVE_LINES, classes="text-block")
        self._pending, self._flush_scheduled = [], False

    async def paint(self, chunk: str) -> None:
        step = FENCE_STEP if self._fence is not None else STEP
        if len(chunk) > step:  # a burst: take a step now, the rest after the next frame
            cut = chunk.rfind("\n", 0, step) + 1 or step
            self._pending.insert(0, chunk[cut:])
            chunk = chunk[:cut]
            if not self._flush_scheduled:
                self._flush_scheduled = True
                self.set_timer(1 / 60, self._flush)
        self.append(inert(chunk))

    def flush_delay(self) -> float:
        # A repaint that grows the reply scrolls and redraws the whole transcript; one that fits in
        # the reserved lines redraws only those. Fast streams grow on every repaint: fewer of them.
        return 1 / GROWING_HZ if self.grew else 1 / FLUSH_HZ

    async def finish(self, block: Block) -> None:
        await super().finish(block)
        while self._pending:  # what a burst left, a step a frame
            await asyncio.sleep(1 / 60)
            await self._flush()
        text = inert(text_of(block))
        if self.source != text:
            self.reset(text)
        self.release_reserve()
        sources = citation_text(block)
        if sources and self.parent is not None:
            await self.parent.mount(Static(sources, classes="citations", markup=False), after=self)


STEP = 8_000
"""Characters of Markdown a repaint takes at most (about 60 ms of parsing and drawing)."""

FENCE_STEP = 1_000_000
"""The same inside a big code block, where taking text costs only a scan for the block's end."""

LONG_TEXT = 64_000
"""A stored text block longer than this is drawn in steps (:class:`LongText`), not in one go."""

GROWING_HZ = 4
"""Repaints a second of a streaming text while each one makes it taller."""

RESERVE_LINES = 12
"""While a text streams, its height grows this many lines at a time (see :class:`MarkdownLines`)."""


class StoredText(Static):
    """A finished text block from history: one widget drawing Rich Markdown, cheap to mount and lay out."""

    def __init__(self, block: Block) -> None:
        self.block = block
        super().__init__(self._drawn(), classes="text-block stored")
        self.source = text_of(block)

    def _drawn(self) -> object:
        from rich.console import Group

        parts: list = [rich_markdown(inert(text_of(self.block)))]
        sources = citation_text(self.block)
        if sources:
            parts.append(sources)
        return Group(*parts)

    def restyle(self) -> None:
        """Draw again, in the code theme the app's theme asks for now."""
        self.update(self._drawn())


class LongText(TextView):
    """A long finished text block from history, drawn a step a frame so the screen stays responsive."""

    def __init__(self, block: Block) -> None:
        super().__init__(None)
        self.block = block

    async def on_mount(self) -> None:
        self.feed("text_delta", text_of(self.block))
        await self.settle(self.block)


def cited(content: list[Block]) -> bool:
    """Some text block of ``content`` cites sources: its text runs are drawn merged (``text_runs``)."""
    return any(b.get("type") == "text" and b.get("citations") for b in content)


def text_runs(content: list[Block], sources: Sources) -> list[tuple[list[int], Block]]:
    """The blocks to draw, with the indices each stands for: consecutive text blocks of a reply that
    cites sources are one block (a citation splits a sentence into several), each cited piece marked
    ``[n]``, numbered per reply in ``sources`` (``transcripts/_render.py``, as the exports number them)."""
    if not cited(content):
        return [([i], block) for i, block in enumerate(content)]
    runs: list[tuple[list[int], Block]] = []
    for index, block in enumerate(content):
        if block.get("type") != "text":
            runs.append(([index], block))
            continue
        numbers = sources.markers(block)
        text = text_of(block)
        text = with_marker(text, "".join(f"[{n}]" for n in numbers)) if numbers else text
        if runs and runs[-1][1].get("type") == "text" and runs[-1][0][-1] == index - 1:
            indices, merged = runs[-1]
            indices.append(index)
            merged["text"] += text
        else:
            runs.append(([index], {"type": "text", "text": text}))
    return runs


def sources_text(sources: Sources) -> Text:
    """A reply's sources, numbered as cited: ``[1] title url`` (web addresses as links)."""
    text = Text(style="dim")
    for source in sources:
        text.append(f"{chr(10) if source.number > 1 else ''}[{source.number}] {inert(source.title)}")
        url = inert(source.url or "")
        if url:
            web = urlsplit(url).scheme in ("http", "https")
            text.append(" ").append(url, style=Style(link=url, underline=True) if web else None)
    return text


def citation_text(block: Block) -> Text:
    """The block's distinct sources, numbered, web addresses as links: ``[1] title url``."""
    sources = Sources()
    sources.markers(block)
    return sources_text(sources)


class PanelView(Coalescing, Collapsible):
    """A collapsible panel whose body is plain text (thinking, tool input, results)."""

    def __init__(self, title: str, body: str, *, collapsed: bool, classes: str) -> None:
        self._body = Static(inert(body), markup=False, classes="panel-body")
        super().__init__(self._body, title=Content(inert(title)), collapsed=collapsed, classes=classes)
        self._pending, self._flush_scheduled = [], False
        self._text = body

    async def paint(self, chunk: str) -> None:
        self._text += chunk
        self._body.update(inert(self._text))

    def show(self, text: str) -> None:
        self._text = text
        self._body.update(inert(text))


class ThinkingView(PanelView):
    """Thinking, folded once it is done. ``between`` tool calls it is what the model writes as it goes
    (Sonnet 5.5 and Opus 5.5 return that text as thinking blocks): shown open, in the flow of the reply."""

    def __init__(self, block: Block | None = None, *, streaming: bool = False, between: bool = False) -> None:
        block = block or {}
        self.between = between
        title = "Progress" if between else ("Thinking…" if streaming else "Thinking")
        super().__init__(
            title,
            thinking_text(block),
            collapsed=not (streaming or between),
            classes="progress-block" if between else "thinking-block",
        )

    def feed(self, kind: str, text: str) -> None:
        if kind == "thinking_delta":
            super().feed(kind, text)

    async def finish(self, block: Block) -> None:
        await super().finish(block)
        self.show(thinking_text(block))
        if not self.between:
            self.title = "Thinking"
            self.collapsed = True


class ToolView(PanelView):
    """A tool call (client or server tool): what it asks (a search's query, a fetch's URL, the code to
    run), its input JSON streaming in until then."""

    def __init__(self, block: Block, *, streaming: bool = False) -> None:
        body = "" if streaming else tool_body(block)
        self.label = tool_title(block)
        super().__init__(self.label, body, collapsed=False, classes="tool-block")
        self.tool_use_id = block.get("id")
        self.state = ""

    def set_state(self, state: str) -> None:
        """How the call is going, after its name: "running…", "done", "failed", "not run", "stopped"."""
        self.state = state
        self.title = Content(inert(f"{self.label} · {state}"))

    def feed(self, kind: str, text: str) -> None:
        if kind == "input_json_delta":
            super().feed(kind, text)

    async def finish(self, block: Block) -> None:
        await super().finish(block)
        self.title = Content(inert(tool_title(block)))
        self.show(tool_body(block))


class ResultView(PanelView):
    """A tool result block (a server tool's, or ours sent back) in readable form: search results as
    titles and domains, a fetched page's title and URL, code's return code, stdout and stderr."""

    def __init__(self, block: Block, *, streaming: bool = False) -> None:
        kind = block.get("type", "?")
        collapsed = kind in ("web_search_tool_result", "web_fetch_tool_result")
        super().__init__(result_title(block), result_text(block), collapsed=collapsed, classes="result-block")

    async def finish(self, block: Block) -> None:
        await super().finish(block)
        self.title = Content(inert(result_title(block)))
        self.show(result_text(block))


def block_view(block: Block, *, streaming: bool = False, between: bool = False) -> Widget:
    """The view for any block type, including ones this version does not know; ``between``: the block
    comes after a tool call of the same reply."""
    kind = classify(block)
    if kind == "text":
        if streaming:
            return TextView(block)
        text = text_of(block)
        long = len(text) > LONG_TEXT or text.count("\n") > BIG_FENCE_LINES * 4
        return LongText(block) if long else StoredText(block)
    if kind in ("thinking", "redacted_thinking"):
        return ThinkingView(block, streaming=streaming, between=between and kind == "thinking")
    if kind == "call":
        return ToolView(block, streaming=streaming)
    if kind in ("tool_result", "web_search_result", "server_result"):
        return ResultView(block, streaming=streaming)
    name = block.get("type")
    return PanelView(
        f"{name if isinstance(name, str) and name else 'unknown'} block",
        pretty_json(block),
        collapsed=True,
        classes="other-block",
    )
