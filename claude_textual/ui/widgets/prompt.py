"""The prompt box: multi-line editing; Ctrl+S sends (a key the TextArea leaves free, so no race).

A big paste (a log, a file) stands in the box as one line, ``[pasted text #1: 25,000 lines, 1.0 MB]``,
and is put back in its place when the prompt is sent: editing around it stays instant.

It can hold an earlier prompt being edited (``begin_edit``): its border says so, and ``end_edit``
puts back what was typed before.

Up in an empty box brings back the prompts sent before (Down goes forward again); what is typed is
kept as the open conversation's draft (``ui/drafts.py``) and comes back with it. Ctrl+G clears the box
(Ctrl+Z undoes that); F7 selects all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer
from textual.widgets import TextArea

from claude_textual.core.attachments import Attachment, pasted_paths, stored_sources
from claude_textual.core.model import Message as ChatMessage
from claude_textual.core.sanitize import inert
from claude_textual.ui import messages as turn
from claude_textual.ui.slash import Parsed, parse

if TYPE_CHECKING:
    from claude_textual.ui.drafts import Drafts

EDITING = "Editing an earlier prompt: Ctrl+S sends it as a new branch · Esc cancels"


class PromptBox(TextArea):
    DEFAULT_CSS = """
    PromptBox, PromptBox:focus { height: auto; min-height: 3; max-height: 12; border: round $primary; }
    PromptBox.-editing, PromptBox.-editing:focus { border: round $warning; border-title-color: $warning; }
    """
    BINDINGS = [
        Binding("ctrl+s", "submit", "Send"),
        Binding("ctrl+g", "clear_prompt", "Clear the prompt", show=False),
        Binding("f7", "select_all", "Select all", show=False),
    ]

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
        self.earlier_prompts: Callable[[], list[str]] = lambda: []
        """The open conversation's prompts, oldest first (the chat screen sets it)."""
        self.sent: list[str] = []
        """The prompts sent in this run, in any conversation."""
        self._recalled: list[str] = []
        self._recall_at: int | None = None
        self.drafts: Drafts | None = None
        self.draft_key = ""
        """The conversation whose draft the box holds ("" a new one)."""
        self._draft_timer: Timer | None = None

    async def _on_key(self, event: events.Key) -> None:
        if self.completion_key(event.key) or (event.key in ("up", "down") and self.recall(event.key)):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    def recall(self, key: str) -> bool:
        """Up on the first line of an empty box (or of a prompt brought back, unchanged): the prompt sent
        before it; Down on the last line: the next one, then the empty box again."""
        row, last = self.cursor_location[0], self.document.line_count - 1
        if self.editing is not None or (key == "up" and row) or (key == "down" and row < last):
            return False
        if self._recall_at is None or self.text != self._recalled[self._recall_at]:
            if self.text or key == "down":
                self._recall_at = None
                return False
            seen = [*self.earlier_prompts(), *self.sent]
            self._recalled = [inert(p) for n, p in enumerate(seen) if p and p not in seen[n + 1 :]]
            self._recall_at = len(self._recalled)
        at = self._recall_at + (-1 if key == "up" else 1)
        if at < 0:
            return bool(self._recalled)
        self._recall_at = at if at < len(self._recalled) else None
        self.text = self._recalled[at] if self._recall_at is not None else ""
        self.move_cursor(self.document.end)
        return True

    def action_clear_prompt(self) -> None:
        self.pastes.clear()
        self.delete((0, 0), self.document.end)  # an edit like any other: Ctrl+Z brings it back

    # ---- drafts ----------------------------------------------------------------------------------
    def _on_text_area_changed(self) -> None:
        if self.drafts is not None and self.editing is None:
            if self._draft_timer is not None:
                self._draft_timer.stop()
            self._draft_timer = self.set_timer(DRAFT_DELAY, self.keep_draft)

    def on_unmount(self) -> None:
        if self.drafts is not None and self.editing is None:
            self.drafts.put(self.draft_key, self.full_text())  # the app writes the file as it quits

    def keep_draft(self) -> None:
        """The box's text becomes the draft of its conversation, written to the file in a thread."""
        if (
            self.drafts is not None
            and self.editing is None
            and self.drafts.put(self.draft_key, self.full_text())
        ):
            threading.Thread(target=self.drafts.save, name="drafts", daemon=True).start()

    def move_draft(self, key: str) -> None:
        """The prompt in the box is being sent in conversation ``key`` (one just created): its draft goes
        with it."""
        if self.drafts is not None and key != self.draft_key:
            self.drafts.put(self.draft_key, "")
            self.draft_key = key
            self.keep_draft()

    def restore_draft(self) -> None:
        """The drafts were read: an empty box takes its conversation's."""
        if self.drafts is not None and not self.text:
            self.text = inert(self.drafts.get(self.draft_key))
            self.move_cursor(self.document.end)

    def switch_draft(self, key: str) -> None:
        """Another conversation is shown: keep this one's draft, put back that one's."""
        if key == self.draft_key or self.drafts is None:
            return
        self.end_edit()
        self.keep_draft()
        self.draft_key = key
        self.pastes.clear()
        self.text = inert(self.drafts.get(key))
        self.move_cursor(self.document.end)

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
        self.sent.append(sent)
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


DRAFT_DELAY = 0.5
"""Seconds after the last key before the draft is kept."""
BIG_PASTE = 20_000
"""A paste longer than this (characters) stands in the box as one line."""
