"""One message in the pane: the user's prompt, tool results we sent, or Claude's reply with its blocks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from claude_textual.core.describe import attachment_label, text_of, usage_parts
from claude_textual.core.model import Block, Message, Status
from claude_textual.core.sanitize import inert
from claude_textual.transcripts._render import Sources
from claude_textual.ui.widgets.blocks import ToolView, block_view, cited, sources_text, text_runs
from claude_textual.ui.widgets.streaming import Coalescing, Growing

if TYPE_CHECKING:
    from claude_textual.core.turn import Waiting

SHOWN_LINES = 60
"""A prompt longer than this many lines shows its start and end; ``c`` copies all of it."""


def shortened(text: str) -> str:
    lines = text.split("\n", SHOWN_LINES + 1)
    if len(lines) <= SHOWN_LINES and len(text) <= SHOWN_LINES * 200:
        return text
    head = "\n".join(lines[: SHOWN_LINES // 2])[: SHOWN_LINES * 100]
    tail_lines = text[-SHOWN_LINES * 100 :].split("\n")[-SHOWN_LINES // 4 :]
    hidden = text.count("\n") + 1 - SHOWN_LINES // 2 - len(tail_lines)
    return (
        f"{head}\n… {max(hidden, 0):,} more lines ({len(text):,} characters; c copies it all) …\n"
        + "\n".join(tail_lines)
    )


def branch_mark(place: tuple[int, int] | None) -> str:
    """``‹ 2/3 ›`` for the second of three siblings; empty for a message without siblings."""
    return f"‹ {place[0]}/{place[1]} ›" if place else ""


class UserMessage(Static):
    """A prompt, or the tool results we sent back (shown compactly); a last line ``‹ 2/3 ›`` when an
    edit made siblings of it."""

    DEFAULT_CSS = """
    UserMessage.user-message { margin: 1 0 0 0; padding: 0 1; border-left: thick $primary; background: $boost; }
    UserMessage.tool-results { margin: 0; padding: 0 1; color: $text-muted; border-left: thick $warning; }
    """

    def __init__(self, message: Message) -> None:
        self.message = message
        self.branch: tuple[int, int] | None = None
        texts = []
        for block in message.content:
            if block.get("type") == "text":
                texts.append(text_of(block))
            elif block.get("type") in ("image", "document"):
                texts.append(attachment_label(block))
            elif block.get("type") == "tool_result":
                err = " (error)" if block.get("is_error") else ""
                content = block.get("content")
                texts.append(f"↳ tool result{err}: {content if isinstance(content, str) else '…'}")
            else:
                texts.append(f"[{block.get('type')}]")
        self.is_prompt = not all(b.get("type") == "tool_result" for b in message.content)
        self._body = inert(shortened("\n".join(texts)))
        super().__init__(
            self._body, markup=False, classes="user-message" if self.is_prompt else "tool-results"
        )

    def set_branch(self, place: tuple[int, int] | None) -> None:
        """Show which of its siblings this message is (None: it has none)."""
        if place != self.branch:
            self.branch = place
            self.update(
                Text(self._body).append(f"\n{branch_mark(place)}", style="dim") if place else self._body
            )


class AssistantMessage(Growing, Vertical):
    """Claude's reply: a header (with ``‹ 2/3 ›`` when retries made siblings of it), one view per
    content block, and a footer with status and usage. The last failed or interrupted reply says
    that Ctrl+R retries it (``retryable``).
    """

    DEFAULT_CSS = """
    AssistantMessage { height: auto; margin: 1 0 0 0; border-left: thick $success; padding: 0 0 0 1; }
    AssistantMessage.-error { border-left: thick $error; }
    AssistantMessage.-interrupted { border-left: thick $warning; }
    AssistantMessage .reply-header { color: $success; text-style: bold; }
    AssistantMessage .reply-footer { color: $text-muted; }
    AssistantMessage.-error .reply-footer { color: $error; }
    AssistantMessage .text-block { margin: 0; padding: 0; }
    AssistantMessage .citations { color: $text-muted; }
    AssistantMessage Collapsible { margin: 0; padding: 0; border-top: none; background: transparent; }
    AssistantMessage .thinking-block .panel-body { color: $text-muted; text-style: italic; }
    AssistantMessage .progress-block .panel-body { color: $text; }
    AssistantMessage .tool-block .panel-body, AssistantMessage .result-block .panel-body,
    AssistantMessage .other-block .panel-body { color: $text; background: $boost; }
    """

    def __init__(self, message: Message, *, streaming: bool = False) -> None:
        super().__init__(classes="assistant-message")
        self.message = message
        self.streaming = streaming
        self.retryable = False
        self.branch: tuple[int, int] | None = None
        self._views: dict[int, Widget] = {}
        self._header = Static(self._header_text(), markup=False, classes="reply-header")
        self._footer = Static("", markup=False, classes="reply-footer")

    def _header_text(self) -> str:
        model = self.message.model or ""
        text = f"Claude · {inert(model)}" if model else "Claude"
        return f"{text}  {branch_mark(self.branch)}" if self.branch else text

    def set_branch(self, place: tuple[int, int] | None) -> None:
        """Show which of its siblings this reply is (None: it has none)."""
        if place != self.branch:
            self.branch = place
            self._header.update(self._header_text())

    def compose(self) -> ComposeResult:
        yield self._header
        if not self.streaming:
            yield from self._stored_views(self.message.content)
        yield self._footer

    def _stored_views(self, content: list[Block]) -> Iterator[Widget]:
        """The views of a reply as saved: text a citation split drawn as one, its sources listed once."""
        sources = Sources()
        for indices, block in text_runs(content, sources):
            view = block_view(block, between=self._after_call())
            self._views.update(dict.fromkeys(indices, view))
            yield view
        if sources:
            yield Static(sources_text(sources), classes="citations", markup=False)

    def on_mount(self) -> None:
        self._show_state(None)

    def set_model(self, model: str) -> None:
        self.message.model = model
        self._header.update(self._header_text())

    def _after_call(self) -> bool:
        return any(isinstance(view, ToolView) for view in self._views.values())

    async def start_block(self, index: int, block: Block) -> None:
        view = block_view(block, streaming=True, between=self._after_call())
        if not self._views:  # the first block: a retry's countdown, if any, is over
            self._show_state(None)
        self._views[index] = view
        await self.mount(view, before=self._footer)

    def feed(self, index: int, kind: str, text: str) -> None:
        view = self._views.get(index)
        if isinstance(view, Coalescing):
            view.feed(kind, text)

    async def stop_block(self, index: int, block: Block) -> None:
        view = self._views.get(index)
        if isinstance(view, Coalescing):
            await view.settle(block)

    async def close(self, message: Message, failure: object | None) -> None:
        """The reply ended: settle every block to its saved shape and show how it ended."""
        self.message = message
        for index, block in enumerate(message.content):
            if index not in self._views:
                await self.start_block(index, block)
            await self.stop_block(index, block)
        if cited(message.content):  # drawn block by block while it streamed: now as one text
            await self.remove_children([w for w in self.children if w not in (self._header, self._footer)])
            self._views = {}
            await self.mount_all(list(self._stored_views(message.content)), before=self._footer)
        self.streaming = False
        self._show_state(failure)

    def waiting(self, event: Waiting) -> None:
        """No reply yet: the request is retried, now or after a countdown (the footer says which)."""
        when = f"in {event.seconds} s" if event.seconds else "now"
        self._footer.update(
            f"{inert(event.reason)} — retrying {when} ({event.attempt}/{event.retries}) · Esc stops"
        )

    def stop_tools(self) -> None:
        """The turn stopped: a tool call still running says so."""
        for view in self._views.values():
            if isinstance(view, ToolView) and view.state == "running…":
                view.set_state("stopped")

    def tool_state(self, tool_use_id: str, state: str) -> None:
        """Show in a tool call's panel title how it is going (see :meth:`ToolView.set_state`)."""
        for view in self._views.values():
            if isinstance(view, ToolView) and view.tool_use_id == tool_use_id:
                view.set_state(state)

    def set_retryable(self, retryable: bool) -> None:
        """Say (or stop saying) in the footer that Ctrl+R retries this reply."""
        if retryable != self.retryable:
            self.retryable = retryable
            if not self.streaming:
                self._show_state(None)

    def _show_state(self, failure: object | None) -> None:
        message = self.message
        if self.streaming:
            self._footer.update("streaming… (Esc stops)")
            return
        parts = []
        if message.status is Status.INTERRUPTED:
            parts.append("⏸ interrupted")
        elif message.status is Status.ERROR:
            parts.append("✖ error")
        if message.stop_reason and message.stop_reason not in ("end_turn", "tool_use"):
            parts.append(inert(f"stopped: {message.stop_reason}"))
        details = (message.extra.get("stop_details") or {}).get("explanation")
        if details:
            parts.append(inert(details))
        if message.usage is not None:
            parts.extend(usage_parts(message.usage, zeros=False))
        if self.retryable:
            parts.append("Ctrl+R retries")
        error = str(failure) if failure else message.error
        text = " · ".join(parts)
        if error:
            text = f"{text}\n{inert(error)}" if text else inert(error)
        self._footer.update(text)
        self.set_class(message.status is Status.ERROR, "-error")
        self.set_class(message.status is Status.INTERRUPTED, "-interrupted")
