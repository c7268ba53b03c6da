"""Views of content blocks: Markdown text, thinking, tool calls, server tool results, anything else.

A streaming block takes pieces with ``feed`` and repaints at most ``FLUSH_HZ`` times a second;
``finish`` gives it the block as the API shaped it. A stored block is built finished, in one go.
"""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any
from urllib.parse import urlsplit

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.markup import escape
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Collapsible, Static

from claude_textual.core.model import Block
from claude_textual.core.sanitize import inert
from claude_textual.ui.widgets.fence import BIG_FENCE_LINES, Fence, closes, fence_opening

FLUSH_HZ = 15


class Coalescing:
    """Collects streamed pieces and hands them to ``paint`` on a timer, not per piece."""

    _pending: list[str]
    _flush_scheduled: bool
    finished: bool = False

    def feed(self, kind: str, text: str) -> None:
        if not text:
            return
        self._pending.append(text)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.set_timer(self.flush_delay(), self._flush)  # type: ignore[attr-defined]

    def flush_delay(self) -> float:
        return 1 / FLUSH_HZ

    async def _flush(self) -> None:
        self._flush_scheduled = False
        if self._pending:
            chunk = "".join(self._pending)
            self._pending.clear()
            await self.paint(chunk)

    async def paint(self, chunk: str) -> None:
        raise NotImplementedError

    async def finish(self, block: Block) -> None:
        """Settle to the block's final shape; subclasses extend this, callers use ``settle``."""
        await self._flush()

    async def settle(self, block: Block) -> None:
        if not self.finished:
            self.finished = True
            await self.finish(block)


class Growing:
    """For the widgets that grow while a reply streams (the reply, its text, the transcript).

    Textual repaints a widget whole when its size changes, and sets its ``virtual_size`` reactive,
    which asks for another layout pass right after the one that just placed it. For these widgets
    neither is needed when they only grew taller at the same width (they have no bottom border or
    padding): the lines they had are unchanged and new ones are drawn as they are reached, and the
    compositor has already arranged (and, when anchored, scrolled) everything — the value is stored
    without asking again, as Textual itself does when it reflows on a scroll. So a repaint of a
    streaming reply is one layout pass that redraws the lines that changed, not two that redraw all.
    """

    _keep_lines = False

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        old = self._size  # type: ignore[attr-defined]
        styles = self.styles  # type: ignore[attr-defined]
        self._keep_lines = (0 < old.height <= size.height and old.width == size.width
                            and not styles.padding.bottom and styles.border_bottom[0] in ("", "none", "hidden"))
        try:
            return super()._size_updated(size, virtual_size, container_size, layout=False)  # type: ignore[misc]
        finally:
            self._keep_lines = False

    def _set_dirty(self, *regions: Region) -> None:
        if regions or not self._keep_lines:
            super()._set_dirty(*regions)  # type: ignore[misc]


class MarkdownLines(Growing, Widget):
    """Markdown that grows at its end, drawn with Rich and re-rendered only where it changed.

    Each top-level block that is finished (another has begun after it) is rendered once, into lines
    kept for the widget's width and style; only the tail — the last block, which may still grow — is
    parsed and rendered again when text is appended. Height and lines come from the same render,
    so an append costs the same at the end of a 50 KB reply as at its start.

    With ``reserve`` > 1 the height grows that many lines at a time (blank lines below the text wait
    for the next ones): an append that fits repaints only the lines that changed, without a layout
    pass or a scroll of the whole transcript.

    A fenced code block that grows past ``BIG_FENCE_LINES`` lines becomes a :class:`Fence`, whose
    lines are drawn only when shown; while it is open, an append only scans the new lines for its end.
    """

    DEFAULT_CSS = """
    MarkdownLines {
        height: auto;
    }
    """

    def __init__(self, text: str = "", *, reserve: int = 1, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.reserve = reserve
        self.grew = False  # the last change needed a layout pass (and so, when followed, a scroll)
        self._height = 0  # the height last given to layout
        self._reset()
        if text:
            self.append(text)

    def _reset(self) -> None:
        self.source = ""
        self._frozen = 0  # characters of the source in finished chunks
        self._chunks: list[tuple[int, int, str]] = []  # (start, end, lead) in the source: see _lead
        self._tail_lead = ""
        self._tail: Any = None  # the tail's Markdown, after its lead
        self._key: tuple[int, Any] | None = None  # (width, style) the lines below were rendered for
        self._lines: list[Strip] = []  # the finished chunks' lines
        self._rendered = 0  # how many chunks are in _lines
        self._tail_lines: Any = None  # the tail's lines: Strips, or (Fence, line) pairs drawn when shown
        self._scan_pos = 0  # the source is scanned for fences up to here (a line start)
        self._open: tuple[int, int, str, int, str] | None = None  # a fence opened: start, code start, char,
        self._open_lines = 0  # length, info; and its lines so far
        self._fence: Fence | None = None  # a big fence still open: the tail

    def append(self, text: str) -> None:
        self.source += text
        changed_from = len(self._lines)  # the old tail's first line: nothing above it changes
        self._scan()
        if self._fence is not None:
            self._fence.partial = self.source[self._scan_pos:]
            self._tail, self._tail_lines = None, None
            self._changed(changed_from)
            return
        tail = self.source[self._frozen:]
        lead = self._tail_lead
        markdown = rich_markdown(lead + tail)
        cut, last_kind = finished_prefix(markdown, lead + tail, skip_lines=lead.count("\n"))
        if cut:
            cut -= len(lead)
            self._chunks.append((self._frozen, self._frozen + cut, lead))
            self._frozen += cut
            self._tail_lead = _lead(last_kind)
            markdown = rich_markdown(self._tail_lead + tail[cut:])
        self._tail, self._tail_lines = markdown, None
        self._changed(changed_from)

    def _scan(self) -> None:
        """Follow the new complete lines for fenced code blocks at the top level: note where one
        opens, turn it into a :class:`Fence` when it grows big, and end that where it closes."""
        source, pos = self.source, self._scan_pos
        while (end := source.find("\n", pos)) != -1:
            line = source[pos:end]
            fence = self._fence
            if fence is not None:
                if closes(line, fence.char, fence.length):
                    fence.partial = ""
                    self._chunks.append(fence)
                    self._fence, self._frozen, self._tail_lead = None, end + 1, _lead("fence")
                else:
                    fence.lines.append(line)
            elif self._open is not None:
                if closes(line, self._open[2], self._open[3]):
                    self._open = None
                else:
                    self._open_lines += 1
                    if self._open_lines > BIG_FENCE_LINES:
                        self._big_fence(end)
            elif (opening := fence_opening(line)) is not None:
                self._open, self._open_lines = (pos, end + 1, *opening), 0
            pos = end + 1
        self._scan_pos = pos

    def _big_fence(self, end: int) -> None:
        """The open fence has grown big: what precedes it is finished, it goes on as a Fence."""
        start, code, char, length, info = self._open  # type: ignore[misc]
        self._open = None
        if start < self._frozen:  # inside a block the parser already finished: not a top-level fence
            return
        if self.source[self._frozen:start].strip():
            self._chunks.append((self._frozen, start, self._tail_lead))
        separated = bool(self.source[:start].strip())
        self._fence = Fence(char, length, info, self.source[code:end].split("\n"), separated=separated)
        self._frozen = start

    def reset(self, text: str) -> None:
        """Show ``text`` instead, from scratch."""
        self._reset()
        self.append(text)

    def release_reserve(self) -> None:
        """No more text is coming: give back the reserved lines."""
        self.reserve = 1
        self._changed(0)

    def _changed(self, first_line: int) -> None:
        if not self.is_mounted:
            return
        width = self.size.width
        if width > 0 and self._key is not None and self._key[0] == width and self._height:
            lines, tail = self._render_lines(width)
            if self._fit(len(lines) + len(tail)) == self._height:  # same height: repaint the changed lines
                self.grew = False
                self.refresh(Region(0, first_line, width, self._height - first_line))
                return
        self.grew = True
        # lines above the old tail are unchanged; lines below the old height are drawn when reached
        self.refresh(Region(0, first_line, max(width, 1), max(1, self._height - first_line)), layout=True)

    def _fit(self, needed: int) -> int:
        """The height for ``needed`` lines: never less than given before while lines are reserved."""
        if self.reserve <= 1:
            return needed
        if needed <= self._height:
            return self._height
        return -(-needed // self.reserve) * self.reserve

    def _render_lines(self, width: int) -> tuple[list[Strip], list[Strip]]:
        style = self.visual_style.rich_style
        if self._key != (width, style):
            self._key, self._lines, self._rendered, self._tail_lines = (width, style), [], 0, None
        while self._rendered < len(self._chunks):
            chunk = self._chunks[self._rendered]
            if isinstance(chunk, Fence):
                self._lines.extend((chunk, y) for y in range(chunk.height))
            else:
                start, end, lead = chunk
                lines = self._render(rich_markdown(lead + self.source[start:end]), width, style)
                self._lines.extend(lines[LEADS.get(lead, 0):])
            self._rendered += 1
        if self._fence is not None:
            return self._lines, _FenceRows(self._fence)
        if self._tail_lines is None:
            lines = self._render(self._tail, width, style) if self._tail is not None else []
            self._tail_lines = lines[LEADS.get(self._tail_lead, 0):]
        return self._lines, self._tail_lines

    def _render(self, markdown: Any, width: int, style: Any) -> list[Strip]:
        """Lines as a ``Static`` would render them (``RichVisual.render_strips``)."""
        app = self.app
        options = app.console_options.update(highlight=False, width=width, height=None)
        segments = app.console.render(self.post_render(markdown, style), options)
        return [Strip(line) for line in Segment.split_and_crop_lines(segments, width, include_new_lines=False,
                                                                      pad=False)]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if width <= 0:
            return 0
        if self._key is not None and self._key[0] != width:
            self._height = 0  # a new width: reserve afresh
        lines, tail = self._render_lines(width)
        self._height = self._fit(len(lines) + len(tail))
        return self._height

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        lines, tail = self._render_lines(width)
        if y < len(lines):
            line = lines[y]
        elif y - len(lines) < len(tail):
            line = tail[y - len(lines)]
        else:
            return Strip.blank(width, self.visual_style.rich_style)
        if isinstance(line, tuple):
            fence, row = line
            return fence.line(row, width, self.app.console)
        return line


class _FenceRows:
    """The rows of a big open fence, as ``(fence, row)`` pairs made when asked for."""

    def __init__(self, fence: Fence) -> None:
        self.fence = fence

    def __len__(self) -> int:
        return self.fence.height

    def __getitem__(self, row: int) -> tuple[Fence, int]:
        return self.fence, row


class TextView(Coalescing, MarkdownLines):
    """A text block streaming in as Markdown; its citations are listed as numbered sources below it.

    Drawn with Rich Markdown like a stored reply (:class:`StoredText`), so a reply looks the same
    streaming, finished and reopened; ``source`` is the Markdown shown (made inert).
    """

    def __init__(self, block: Block | None = None) -> None:
        super().__init__(inert(text_of(block)) if block else "", reserve=RESERVE_LINES,
                         classes="text-block")
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

GROWING_HZ = 6
"""Repaints a second of a streaming text while each one makes it taller."""

RESERVE_LINES = 8
"""While a text streams, its height grows this many lines at a time (see :class:`MarkdownLines`)."""


_markdown: tuple[Any, Any] | None = None


def rich_markdown(text: str) -> Any:
    """Rich's Markdown for ``text`` (monokai code, links as text), parsed by one shared parser:
    Rich makes a new parser for each instance, which costs more than parsing a block."""
    global _markdown
    if _markdown is None:
        from markdown_it import MarkdownIt
        from rich.markdown import Markdown as RichMarkdown

        # the parser Rich's Markdown.__init__ makes; tests compare the renders
        _markdown = (RichMarkdown("", code_theme="monokai", hyperlinks=False),
                     MarkdownIt().enable("strikethrough").enable("table"))
    template, parser = _markdown
    markdown = copy.copy(template)
    markdown.markup, markdown.parsed = text, parser.parse(text)
    return markdown


def finished_prefix(markdown: Any, text: str, skip_lines: int = 0) -> tuple[int, str]:
    """How many characters of ``text`` its finished top-level blocks take, and the type of the last.

    Finished are all blocks but the last that begins on a complete line (none before line
    ``skip_lines``): the last may still grow, and an unfinished last line may still turn out to
    continue it (``1`` becoming ``1. item`` of the list above), so it does not end anything yet.
    """
    complete = text.count("\n")
    starts = [(token.map[0], token.type) for token in markdown.parsed
              if token.level == 0 and token.nesting >= 0 and token.map and skip_lines <= token.map[0] < complete]
    if len(starts) < 2:
        return 0, ""
    line = starts[-1][0]
    cut = 0
    for _ in range(line):
        cut = text.index("\n", cut) + 1
    return cut, next(kind for start, kind in reversed(starts) if start < line)


LEADS = {"x\n\n": 1, "---\n\n": 2}
"""Markdown that a chunk is rendered after (see ``_lead``), and how many lines it draws itself."""


def _lead(kind: str) -> str:
    """What a chunk of Markdown is rendered after, so that it draws as it would in the whole text.

    How Rich separates two top-level blocks depends on both (a rule draws its own blank line and
    asks for no other; a list starts with one even at the top), so a chunk is rendered after a
    block of the kind its predecessor has — a rule, or a one-line paragraph — whose lines are dropped.
    """
    return "---\n\n" if kind == "hr" else "x\n\n"


class StoredText(Static):
    """A finished text block from history: one widget drawing Rich Markdown, cheap to mount and lay out."""

    def __init__(self, block: Block) -> None:
        from rich.console import Group

        parts: list = [rich_markdown(inert(text_of(block)))]
        sources = citation_text(block)
        if sources:
            parts.append(sources)
        super().__init__(Group(*parts), classes="text-block stored")
        self.source = text_of(block)


class LongText(TextView):
    """A long finished text block from history, drawn a step a frame so the screen stays responsive."""

    def __init__(self, block: Block) -> None:
        super().__init__(None)
        self.block = block

    async def on_mount(self) -> None:
        self.feed("text_delta", text_of(self.block))
        await self.settle(self.block)


def citation_text(block: Block) -> Text:
    """The block's distinct sources, numbered, web addresses as links: ``[1] title url``."""
    sources: dict[tuple[str, str], None] = {}
    for citation in dicts(block.get("citations")):
        title = citation.get("title") or citation.get("document_title") or citation.get("type", "source")
        sources[(inert(str(title)), inert(str(citation.get("url") or "")))] = None
    text = Text(style="dim")
    for n, (title, url) in enumerate(sources, 1):
        text.append(f"{chr(10) if n > 1 else ''}[{n}] {title}")
        if url:
            web = urlsplit(url).scheme in ("http", "https")
            text.append(" ").append(url, style=Style(link=url, underline=True) if web else None)
    return text


class PanelView(Coalescing, Collapsible):
    """A collapsible panel whose body is plain text (thinking, tool input, results)."""

    def __init__(self, title: str, body: str, *, collapsed: bool, classes: str) -> None:
        self._body = Static(inert(body), markup=False, classes="panel-body")
        super().__init__(self._body, title=escape(inert(title)), collapsed=collapsed, classes=classes)
        self._pending, self._flush_scheduled = [], False
        self._text = body

    async def paint(self, chunk: str) -> None:
        self._text += chunk
        self._body.update(inert(self._text))

    def show(self, text: str) -> None:
        self._text = text
        self._body.update(inert(text))


class ThinkingView(PanelView):
    def __init__(self, block: Block | None = None, *, streaming: bool = False) -> None:
        block = block or {}
        super().__init__(
            "Thinking…" if streaming else "Thinking",
            thinking_text(block),
            collapsed=not streaming,
            classes="thinking-block",
        )

    def feed(self, kind: str, text: str) -> None:
        if kind == "thinking_delta":
            super().feed(kind, text)

    async def finish(self, block: Block) -> None:
        await super().finish(block)
        self.show(thinking_text(block))
        self.title = "Thinking"
        self.collapsed = True


def thinking_text(block: Block) -> str:
    if block.get("type") == "redacted_thinking":
        return "(redacted thinking: encrypted by the API, sent back unchanged)"
    text = block.get("thinking")
    text = text if isinstance(text, str) else ""
    if not text and block.get("signature"):
        return "(thinking omitted by the API; its signature is kept)"
    return text


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
        self.title = escape(inert(f"{self.label} · {state}"))

    def feed(self, kind: str, text: str) -> None:
        if kind == "input_json_delta":
            super().feed(kind, text)

    async def finish(self, block: Block) -> None:
        await super().finish(block)
        self.title = escape(inert(tool_title(block)))
        self.show(tool_body(block))


def tool_title(block: Block) -> str:
    name, args = str(block.get("name") or "?"), block.get("input")
    args = args if isinstance(args, dict) else {}
    if block.get("type") != "server_tool_use":
        return f"Tool call: {name}"
    if name == "web_search" and args.get("query"):
        return f"Web search: {args['query']}"
    if name == "web_fetch" and args.get("url"):
        return f"Web fetch: {args['url']}"
    if "code_execution" in name:
        return f"Code execution ({name})" if name != "code_execution" else "Code execution"
    return f"Server tool: {name}"


def tool_body(block: Block) -> str:
    """A server tool's code or command as it will run; any other call's input as JSON."""
    args = block.get("input") or {}
    if block.get("type") == "server_tool_use" and isinstance(args, dict):
        if isinstance(args.get("code"), str):
            return args["code"]
        if block.get("name") == "bash_code_execution" and isinstance(args.get("command"), str):
            return f"$ {args['command']}"
    return pretty_json(args)


class ResultView(PanelView):
    """A tool result block (a server tool's, or ours sent back) in readable form: search results as
    titles and domains, a fetched page's title and URL, code's return code, stdout and stderr."""

    def __init__(self, block: Block, *, streaming: bool = False) -> None:
        kind = block.get("type", "?")
        collapsed = kind in ("web_search_tool_result", "web_fetch_tool_result")
        super().__init__(result_title(block), result_text(block), collapsed=collapsed, classes="result-block")

    async def finish(self, block: Block) -> None:
        await super().finish(block)
        self.title = escape(inert(result_title(block)))
        self.show(result_text(block))


def result_title(block: Block) -> str:
    kind, content = str(block.get("type") or "?"), block.get("content")
    if kind == "tool_result":
        return "Tool result" + (" (error)" if block.get("is_error") else "")
    if kind == "web_search_tool_result" and isinstance(content, list):
        return f"Web search: {len(content)} result{'s' * (len(content) != 1)}"
    if isinstance(content, dict) and ("error_code" in content or str(content.get("type")).endswith("error")):
        return kind.replace("_", " ").capitalize() + " (error)"
    return kind.replace("_", " ").capitalize()


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def result_text(block: Block) -> str:
    content = block.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return result_object_text(content)
    lines = []
    for item in dicts(content):
        if item.get("type") == "text":
            lines.append(str(item.get("text") or ""))
        elif "url" in item:
            lines.append(f"• {item.get('title') or item['url']} — {urlsplit(str(item['url'])).netloc}\n  {item['url']}")
        elif item.get("type") == "image":
            lines.append("[image]")
        else:
            lines.append(pretty_json(item))
    return "\n".join(lines)


def result_object_text(content: dict[str, Any]) -> str:
    """A server tool's result object: code's output, a fetched document, or an error code."""
    if "return_code" in content:
        parts = [f"return code {content['return_code']}"]
        for stream in ("stdout", "stderr"):
            if content.get(stream):
                parts.append(f"{stream}:\n{str(content[stream]).rstrip()}")
        return "\n".join(parts)
    if content.get("type") == "web_fetch_result":
        document = content.get("content")
        document = document if isinstance(document, dict) else {}
        return f"{document.get('title') or '(untitled)'}\n{content.get('url', '')}".rstrip()
    if "error_code" in content:
        return f"error: {content['error_code']}"
    return pretty_json(content)


def dicts(value: Any) -> list[dict[str, Any]]:
    """The dicts in ``value`` when it is a list (odd stored shapes give nothing to show, not an error)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def text_of(block: Block) -> str:
    """A text block's text; empty when it holds none, or something else."""
    text = block.get("text")
    return text if isinstance(text, str) else ""


def block_view(block: Block, *, streaming: bool = False) -> Widget:
    """The view for any block type, including ones this version does not know."""
    kind = block.get("type")
    kind = kind if isinstance(kind, str) else ""
    if kind == "text":
        if streaming:
            return TextView(block)
        text = text_of(block)
        return LongText(block) if len(text) > LONG_TEXT or text.count("\n") > BIG_FENCE_LINES * 4 else \
            StoredText(block)
    if kind in ("thinking", "redacted_thinking"):
        return ThinkingView(block, streaming=streaming)
    if kind in ("tool_use", "server_tool_use", "mcp_tool_use"):
        return ToolView(block, streaming=streaming)
    if kind == "tool_result" or kind.endswith("_tool_result"):
        return ResultView(block, streaming=streaming)
    return PanelView(f"{kind or 'unknown'} block", pretty_json(block), collapsed=True, classes="other-block")
