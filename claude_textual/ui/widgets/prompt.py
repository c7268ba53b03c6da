"""The prompt box: multi-line editing; Ctrl+S sends (a key the TextArea leaves free, so no race)."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea


class PromptBox(TextArea):
    BINDINGS = [Binding("ctrl+s", "submit", "Send")]

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self) -> None:
        super().__init__(id="prompt", soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        self.placeholder = "Ask Claude…  (Ctrl+S sends)"

    def action_submit(self) -> None:
        text = self.text.strip()
        if text:
            self.post_message(self.Submitted(text))
