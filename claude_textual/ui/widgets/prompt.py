"""The prompt box: multi-line editing; Ctrl+S sends (a key the TextArea leaves free, so no race).

A big paste (a log, a file) stands in the box as one line, ``[pasted text #1: 25,000 lines, 1.0 MB]``,
and is put back in its place when the prompt is sent: editing around it stays instant.

It can hold an earlier prompt being edited (``begin_edit``): its border says so, and ``end_edit``
puts back what was typed before.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

from claude_textual.core.attachments import Attachment, pasted_paths, stored_sources
from claude_textual.core.model import Message as ChatMessage
from claude_textual.core.sanitize import inert
from claude_textual.ui import messages as turn
from claude_textual.ui.slash import Parsed, parse

EDITING = "Editing an earlier prompt: Ctrl+S sends it as a new branch · Esc cancels"


class PromptBox(TextArea):
    DEFAULT_CSS = """
    PromptBox, PromptBox:focus { height: auto; min-height: 3; max-height: 12; border: round $primary; }
    PromptBox.-editing, PromptBox.-editing:focus { border: round $warning; border-title-color: $warning; }
    """
    BINDINGS = [Binding("ctrl+s", "submit", "Send")]

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text
            self.attachments: tuple[Attachment, ...] = ()
            """Filled in by the composer on the way up (``ui/widgets/composer.py``)."""

    class LetGo(Message):
        """The prompt was saved: what went with it (the attachments) can go."""

    class PathsPasted(Message):
        """A paste that names existing files (``text`` as pasted): the composer offers to attach them."""

        def __init__(self, text: str, paths: list[Path]) -> None:
            super().__init__()
            self.text = text
            self.paths = paths

    class Command(Message):
        """A slash command was typed (``ui/slash.py``): the app runs it; nothing goes to the model."""

        def __init__(self, parsed: Parsed) -> None:
            super().__init__()
            self.parsed = parsed

    def __init__(self) -> None:
        super().__init__(id="prompt", soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        self.placeholder = "Ask Claude…  (Ctrl+S sends · F1 help · Ctrl+P commands)"
        self.pastes: dict[str, str] = {}  # stand-in line -> the pasted text
        self.editing: ChatMessage | None = None
        """The prompt being edited, if any."""
        self._draft = ""
        self.completion_key: Callable[[str], bool] = lambda key: False
        """Asked first of every key: True when the completions took it (the composer sets it)."""

    async def _on_key(self, event: events.Key) -> None:
        if self.completion_key(event.key):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    def _on_paste(self, event: events.Paste) -> None:
        if self.read_only:
            return
        # many terminals, and tmux's paste-buffer, send a paste's newlines as CR
        text = event.text.replace("\r\n", "\n").replace("\r", "\n")
        if paths := pasted_paths(text, Path.cwd()):
            event.prevent_default()
            event.stop()
            self.post_message(self.PathsPasted(text, paths))
            return
        if len(text) <= BIG_PASTE and text == event.text:
            return  # TextArea's own handler inserts it
        event.prevent_default()
        event.stop()
        if len(text) <= BIG_PASTE:
            self.move_cursor(self.replace(text, *self.selection).end_location)
            return
        lines = text.count("\n") + 1
        size = len(text.encode("utf-8", "replace"))
        amount = f"{size / 1e6:.1f} MB" if size >= 1_000_000 else f"{size / 1e3:.0f} KB"
        label = f"[pasted text #{len(self.pastes) + 1}: {lines:,} line{'s' if lines != 1 else ''}, {amount}]"
        self.pastes[label] = text
        self.insert(label)
        self.focus()

    def full_text(self) -> str:
        """The prompt as it will be sent: each big paste back in place of its stand-in."""
        text = self.text
        for label, pasted in self.pastes.items():
            text = text.replace(label, pasted)
        return text

    def clear(self):  # type: ignore[no-untyped-def]
        self.pastes.clear()
        return super().clear()

    def action_submit(self) -> None:
        text = self.full_text().strip()
        if not text:
            return
        parsed = parse(text) if self.editing is None else Parsed(text=text)
        if parsed.text is not None:
            self.post_message(self.Submitted(parsed.text))
        else:
            self.post_message(self.Command(parsed))

    def on_prompt_saved(self, message: turn.PromptSaved) -> None:
        """The prompt sent is in the history now: let go of it (and of the edit, if it was one).
        What was typed meanwhile after it stays."""
        sent = message.message.text()
        self.post_message(self.LetGo())
        if self.editing is not None:
            self.end_edit()
            return
        text = self.full_text()
        if text.strip() == sent:
            self.clear()
        elif text.lstrip().startswith(sent):
            self.text = text.lstrip()[len(sent) :].lstrip("\n")
            self.move_cursor(self.document.end)

    def begin_edit(self, message: ChatMessage) -> None:
        """Put ``message``'s text here to be edited, keeping what was typed for ``end_edit``."""
        if self.editing is None:
            self._draft = self.text
        self.editing = message
        self.text = inert(message.text())  # stored text is untrusted: no control reaches the terminal
        self.move_cursor(self.document.end)
        kept = len(stored_sources([message]))
        self.border_title = EDITING + (f" · its {kept} attachment{'s' * (kept != 1)} stay" if kept else "")
        self.add_class("-editing")
        self.focus()
        self.screen.refresh_bindings()  # Esc now leaves the edit

    def end_edit(self) -> None:
        """Leave the editing state and put back what was typed before it."""
        if self.editing is not None:
            self.editing = None
            self.text, self._draft = self._draft, ""
            self.move_cursor(self.document.end)
            self.border_title = None
            self.remove_class("-editing")
            self.screen.refresh_bindings()


BIG_PASTE = 20_000
"""A paste longer than this (characters) stands in the box as one line."""
