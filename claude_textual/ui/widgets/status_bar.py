"""The status bar: model, demo flag, the conversation's thinking/effort and server tools, the context
meter, live token counts for the reply and the conversation with what they cost and the share of input
read from the prompt cache, and what the running turn is doing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.reactive import reactive
from textual.widgets import Static

from claude_textual.config import Settings
from claude_textual.core.context import meter, short
from claude_textual.core.describe import money, share
from claude_textual.core.model import USAGE_COUNTERS, Totals
from claude_textual.core.sanitize import inert
from claude_textual.ui import messages as turn

if TYPE_CHECKING:
    from claude_textual.session.chat import Window

TOOL_NAMES = {"web_search": "search", "web_fetch": "fetch", "code_execution": "code"}


def settings_summary(settings: Settings) -> str:
    """``think 4k · effort high · tools search+fetch``: what a conversation's requests ask for."""
    if settings.thinking == "enabled":
        parts = [f"think {short(settings.thinking_budget)}"]
    else:
        parts = ["no thinking" if settings.thinking == "off" else "think adaptive"]
    if settings.thinking != "off" and settings.thinking_display:
        parts[0] += f" ({settings.thinking_display})"
    if settings.effort:
        parts.append(f"effort {settings.effort}")
    tools = [name for key, name in TOOL_NAMES.items() if getattr(settings, key)]
    if tools:
        parts.append("tools " + "+".join(tools))
    return " · ".join(parts)


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """
    model: reactive[str] = reactive("")
    demo: reactive[bool] = reactive(False)
    summary: reactive[str] = reactive("")
    context: reactive[str] = reactive("")
    reply_in: reactive[int] = reactive(0)
    reply_out: reactive[int] = reactive(0)
    reply_cost: reactive[str] = reactive("")
    totals: reactive[Totals] = reactive(Totals)
    """The open conversation's usage added up (a new value each time: it redraws)."""
    state: reactive[str] = reactive("")

    def __init__(self) -> None:
        super().__init__(id="status", markup=False)
        self.waiting = False
        """The running turn is counting down to a retry."""

    def show_settings(self, settings: Settings, used: int, window: int) -> None:
        """The conversation's model, options and context meter (``used`` of ``window`` tokens)."""
        self.model, self.summary, self.context = (
            settings.model,
            settings_summary(settings),
            meter(used, window),
        )

    def show_totals(self, window: Window | None) -> None:
        """A conversation was opened (None: a new one): its totals, no reply yet."""
        self.reply_in = self.reply_out = 0
        self.reply_cost = ""
        self.totals = window.totals if window else Totals()

    # ---- the running turn (see ui/relay.py) ------------------------------------------------------
    def on_reply_opened(self) -> None:
        self.state, self.reply_in, self.reply_out, self.reply_cost = "waiting for Claude…", 0, 0, ""

    def on_retry_waiting(self, message: turn.RetryWaiting) -> None:
        event = message.event
        self.waiting = bool(event.seconds)
        where = f"({event.attempt}/{event.retries})"
        self.state = inert(
            f"{event.reason} — retrying in {event.seconds} s {where} · Esc stops"
            if event.seconds
            else f"{event.reason} — retrying now {where}…"
        )

    def on_block_started(self) -> None:
        self.waiting, self.state = False, "streaming…"

    def on_usage_updated(self, message: turn.UsageUpdated) -> None:
        usage = message.event.usage
        self.reply_in = sum(int(usage.get(k) or 0) for k in USAGE_COUNTERS if k != "output_tokens")
        self.reply_out = int(usage.get("output_tokens") or 0)

    def on_reply_closed(self, message: turn.ReplyClosed) -> None:
        self.state, self.waiting = "", False
        usage = message.event.message.usage
        if usage is None or usage.price_source is None:  # not saved: not in the conversation's totals
            return
        self.reply_cost = money(usage.cost_usd) if usage.cost_usd is not None else ""
        self.totals = self.totals.add(usage)

    def on_tool_started(self, message: turn.ToolStarted) -> None:
        self.state = inert(
            f"running {message.event.tool_use.get('name')} ({message.event.server})… · Esc stops"
        )

    def on_tool_finished(self) -> None:
        self.state = ""

    def on_save_failed(self) -> None:
        self.state, self.waiting = "", False

    def on_turn_stopped(self) -> None:
        self.state, self.waiting = "", False

    def conversation_figures(self, brief: bool = False) -> str:
        """``conversation in 1.2M out 40k · $0.45 · cache 87%`` (brief: ``total $0.45 · cache 87%``): the
        cost once known, the cache share once the cache was used (a reply's footer says when a cost is
        unknown)."""
        totals = self.totals
        prompt = totals.input_tokens + totals.cache_creation_input_tokens + totals.cache_read_input_tokens
        tokens = f"in {short(prompt)} out {short(totals.output_tokens)}"
        cost = money(totals.cost_usd) if totals.records and totals.cost_usd is not None else ""
        parts = [f"total {cost or tokens}" if brief else f"conversation {tokens}", "" if brief else cost]
        if totals.cache_creation_input_tokens or totals.cache_read_input_tokens:
            parts.append(f"cache {share(totals.cache_share)}")
        return " · ".join(filter(None, parts))

    def parts(self) -> list[list]:
        """What the bar shows: [rank, text, a shorter text or None]. As the bar narrows, the parts of the
        highest rank are shortened first, then dropped; what the turn is doing (a countdown, an approval
        wait, an error) and the model are never dropped."""
        parts: list[list] = [[1, "DEMO (offline, not Claude)", "DEMO"]] if self.demo else []
        parts.append([0, inert(self.model), None])
        if self.summary:
            parts.append([5, self.summary, None])
        if self.context:
            parts.append([2, self.context, "ctx " + self.context.rsplit(" ", 1)[-1]])
        if self.reply_in or self.reply_out or self.reply_cost:  # no reply yet: nothing to say of one
            tokens = f"in {self.reply_in:,} out {self.reply_out:,}"
            parts.append(
                [
                    3,
                    f"reply {tokens}" + (f" · {self.reply_cost}" if self.reply_cost else ""),
                    f"reply {self.reply_cost or tokens}",
                ]
            )
        parts.append([4, self.conversation_figures(), self.conversation_figures(brief=True)])
        if self.state:
            parts.append([-1, self.state, None])
        return parts

    def render(self) -> str:
        parts, room = self.parts(), self.content_size.width or 10_000

        def width() -> int:
            return cell_len(" │ ".join(part[1] for part in parts))

        while width() > room and (shorter := [part for part in parts if part[2]]):
            part = max(shorter, key=lambda part: part[0])
            part[1], part[2] = part[2], None
        while width() > room and (droppable := [part for part in parts if part[0] > 0]):
            parts.remove(max(droppable, key=lambda part: part[0]))
        return " │ ".join(part[1] for part in parts)
