"""The prompt box: multi-line editing; Ctrl+S sends (a key the TextArea leaves free, so no race).

It can hold an earlier prompt being edited (``begin_edit``): its border says so, and ``end_edit``
puts back what was typed before.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

from claude_textual.core.model import Message as ChatMessage

EDITING = "Editing an earlier prompt: Ctrl+S sends it as a new branch · Esc cancels"


class PromptBox(TextArea):
    BINDINGS = [Binding("ctrl+s", "submit", "Send")]

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self) -> None:
        super().__init__(id="prompt", soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        self.placeholder = "Ask Claude…  (Ctrl+S sends)"
        self.editing: ChatMessage | None = None
        """The prompt being edited, if any."""
        self._draft = ""

    def action_submit(self) -> None:
        text = self.text.strip()
        if text:
            self.post_message(self.Submitted(text))

    def begin_edit(self, message: ChatMessage) -> None:
        """Put ``message``'s text here to be edited, keeping what was typed for ``end_edit``."""
        if self.editing is None:
            self._draft = self.text
        self.editing = message
        self.text = message.text()
        self.move_cursor(self.document.end)
        self.border_title = EDITING
        self.add_class("-editing")
        self.focus()

    def end_edit(self) -> None:
        """Leave the editing state and put back what was typed before it."""
        if self.editing is not None:
            self.editing = None
            self.text, self._draft = self._draft, ""
            self.move_cursor(self.document.end)
            self.border_title = None
            self.remove_class("-editing")
