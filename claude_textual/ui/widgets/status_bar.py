"""The status bar: model, demo flag, the conversation's thinking/effort and server tools, the context
meter, live token counts for the reply and the conversation."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static

from claude_textual.config import Settings
from claude_textual.core.context import meter, short
from claude_textual.core.sanitize import inert

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
    model: reactive[str] = reactive("")
    demo: reactive[bool] = reactive(False)
    summary: reactive[str] = reactive("")
    context: reactive[str] = reactive("")
    reply_in: reactive[int] = reactive(0)
    reply_out: reactive[int] = reactive(0)
    total_in: reactive[int] = reactive(0)
    total_out: reactive[int] = reactive(0)
    state: reactive[str] = reactive("")

    def __init__(self) -> None:
        super().__init__(id="status", markup=False)

    def show_settings(self, settings: Settings, used: int, window: int) -> None:
        """The conversation's model, options and context meter (``used`` of ``window`` tokens)."""
        self.model, self.summary, self.context = settings.model, settings_summary(settings), meter(used, window)

    def render(self) -> str:
        parts = []
        if self.demo:
            parts.append("DEMO (offline, not Claude)")
        parts.append(inert(self.model))
        if self.summary:
            parts.append(self.summary)
        if self.context:
            parts.append(self.context)
        parts.append(f"reply in {self.reply_in:,} out {self.reply_out:,}")
        parts.append(f"conversation in {self.total_in:,} out {self.total_out:,}")
        if self.state:
            parts.append(self.state)
        return " │ ".join(parts)
