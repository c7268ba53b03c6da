"""Views of content blocks: Markdown text, thinking, tool calls, server tool results, anything else.

A streaming block takes pieces with ``feed`` and repaints at most ``FLUSH_HZ`` times a second;
``finish`` gives it the block as the API shaped it. A stored block is built finished, in one go.
"""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual.markup import escape
from textual.widget import Widget
from textual.widgets import Collapsible, Markdown, Static

from claude_textual.core.model import Block
from claude_textual.core.sanitize import inert

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
            self.set_timer(1 / FLUSH_HZ, self._flush)  # type: ignore[attr-defined]

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


class TextView(Coalescing, Markdown):
    """A text block streaming in as Markdown; its citations are listed as numbered sources at the end."""

    def __init__(self, block: Block | None = None) -> None:
        super().__init__(inert(block.get("text", "")) if block else "", classes="text-block")
        self._pending, self._flush_scheduled = [], False

    async def paint(self, chunk: str) -> None:
        await self.append(inert(chunk))

    async def finish(self, block: Block) -> None:
        await super().finish(block)
        if self.source != inert(block.get("text", "")):
            await self.update(inert(block.get("text", "")))
        lines = citation_lines(block)
        if lines:
            await self.mount(Static(lines, classes="citations", markup=False))


class StoredText(Static):
    """A finished text block from history: one widget drawing Rich Markdown, cheap to mount and lay out."""

    def __init__(self, block: Block) -> None:
        from rich.console import Group
        from rich.markdown import Markdown as RichMarkdown

        parts: list = [RichMarkdown(inert(block.get("text", "")), code_theme="monokai", hyperlinks=False)]
        sources = citation_lines(block)
        if sources:
            parts.append(Text(sources, style="dim"))
        super().__init__(Group(*parts), classes="text-block stored")
        self.source = block.get("text", "")


def citation_lines(block: Block) -> str:
    """The block's distinct sources, numbered: ``[1] title url``."""
    sources: dict[tuple[str, str], None] = {}
    for citation in block.get("citations") or []:
        title = citation.get("title") or citation.get("document_title") or citation.get("type", "source")
        sources[(title, citation.get("url") or "")] = None
    lines = [f"[{n}] {title} {url}".rstrip() for n, (title, url) in enumerate(sources, 1)]
    return inert("\n".join(lines))


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
    text = block.get("thinking", "")
    if not text and block.get("signature"):
        return "(thinking omitted by the API; its signature is kept)"
    return text


class ToolView(PanelView):
    """A tool call (client or server tool): its name, and its input JSON as it streams."""

    def __init__(self, block: Block, *, streaming: bool = False) -> None:
        label = "Server tool" if block.get("type") == "server_tool_use" else "Tool call"
        body = "" if streaming else pretty_json(block.get("input", {}))
        super().__init__(f"{label}: {block.get('name', '?')}", body, collapsed=False, classes="tool-block")

    def feed(self, kind: str, text: str) -> None:
        if kind == "input_json_delta":
            super().feed(kind, text)

    async def finish(self, block: Block) -> None:
        await super().finish(block)
        self.show(pretty_json(block.get("input", {})))


class ResultView(PanelView):
    """A tool result block (a server tool's, or ours sent back) in readable form."""

    def __init__(self, block: Block, *, streaming: bool = False) -> None:
        kind = block.get("type", "?")
        title = "Tool result" + (" (error)" if block.get("is_error") else "")
        if kind != "tool_result":
            title = kind.replace("_", " ").capitalize()
        super().__init__(title, result_text(block), collapsed=kind != "tool_result", classes="result-block")

    async def finish(self, block: Block) -> None:
        await super().finish(block)
        self.show(result_text(block))


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def result_text(block: Block) -> str:
    content = block.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, dict):  # an error object, e.g. web_search_tool_result_error
        return f"error: {content.get('error_code', pretty_json(content))}"
    lines = []
    for item in content or []:
        if item.get("type") == "text":
            lines.append(item.get("text", ""))
        elif "url" in item:
            lines.append(f"• {item.get('title') or item['url']}\n  {item['url']}")
        elif item.get("type") == "image":
            lines.append("[image]")
        else:
            lines.append(pretty_json(item))
    return "\n".join(lines)


def block_view(block: Block, *, streaming: bool = False) -> Widget:
    """The view for any block type, including ones this version does not know."""
    kind = block.get("type", "")
    if kind == "text":
        return TextView(block) if streaming else StoredText(block)
    if kind in ("thinking", "redacted_thinking"):
        return ThinkingView(block, streaming=streaming)
    if kind in ("tool_use", "server_tool_use", "mcp_tool_use"):
        return ToolView(block, streaming=streaming)
    if kind == "tool_result" or kind.endswith("_tool_result"):
        return ResultView(block, streaming=streaming)
    return PanelView(f"{kind or 'unknown'} block", pretty_json(block), collapsed=True, classes="other-block")
