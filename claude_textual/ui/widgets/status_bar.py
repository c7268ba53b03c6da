"""The status bar: model, demo flag, live token counts for the reply and the conversation."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static

from claude_textual.core.sanitize import inert


class StatusBar(Static):
    model: reactive[str] = reactive("")
    demo: reactive[bool] = reactive(False)
    reply_in: reactive[int] = reactive(0)
    reply_out: reactive[int] = reactive(0)
    total_in: reactive[int] = reactive(0)
    total_out: reactive[int] = reactive(0)
    state: reactive[str] = reactive("")

    def __init__(self) -> None:
        super().__init__(id="status", markup=False)

    def render(self) -> str:
        parts = []
        if self.demo:
            parts.append("DEMO (offline, not Claude)")
        parts.append(inert(self.model))
        parts.append(f"reply in {self.reply_in:,} out {self.reply_out:,}")
        parts.append(f"conversation in {self.total_in:,} out {self.total_out:,}")
        if self.state:
            parts.append(self.state)
        return " │ ".join(parts)
