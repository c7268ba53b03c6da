"""Where a prompt is written: the prompt box, its attachments as chips above it, and the completion of
``@path`` and of slash commands (``/mo`` → ``/model ``, then the model ids).

A file is attached by typing ``@`` and a path (Tab completes it; on a file, Tab attaches it), by the
file picker (Ctrl+L, or "Attach a file" in the palette), or by pasting its path (as terminals paste a
dragged file): the paste is offered as an attachment. Files are read and checked in a thread
(``core/attachments.py``); what cannot be attached is said, naming the path. The composer owns the
attachments: it adds them to the prompt it sends and lets go of them once the prompt is saved.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import OptionList, Static, TextArea
from textual.widgets.option_list import Option

from claude_textual.core.attachments import AttachError, Attachment, read, resolve
from claude_textual.core.catalogue import Catalogue
from claude_textual.core.sanitize import inert
from claude_textual.ui.slash import completions
from claude_textual.ui.widgets.prompt import PromptBox

MENTION = re.compile(r"(?:^|\s)@(\S*)$")
"""An ``@path`` being typed, just before the cursor."""
MAX_COMPLETIONS = 50


class Chip(Static, can_focus=True):
    """One attachment: ``📎 name · kind · size · pages ✕``; Delete, Backspace, Enter or a click removes it."""

    DEFAULT_CSS = """
    Chip { width: auto; height: 1; padding: 0 1; margin-right: 1; background: $boost; color: $text; }
    Chip:focus { background: $accent; color: $text; }
    """
    BINDINGS = [Binding("delete,backspace,enter", "remove", "Remove")]

    class Remove(Message):
        def __init__(self, chip: Chip) -> None:
            super().__init__()
            self.chip = chip

    def __init__(self, attachment: Attachment) -> None:
        super().__init__(Text(f"📎 {inert(attachment.chip())} ✕"))
        self.attachment = attachment
        self.tooltip = inert(str(attachment.path))

    def action_remove(self) -> None:
        self.post_message(self.Remove(self))

    def on_click(self) -> None:
        self.action_remove()


class Completions(OptionList):
    """The paths an ``@`` being typed may complete to; Tab takes the highlighted one."""

    DEFAULT_CSS = """
    Completions { height: auto; max-height: 8; border: none; display: none; background: $panel; }
    Completions.-shown { display: block; }
    """


def candidates(token: str, cwd: Path) -> list[tuple[str, bool]]:
    """(completed token, is a directory) for the ``@token`` being typed, directories first."""
    folder, sep, stem = token.rpartition("/")
    base = resolve(folder + sep if sep else ".", cwd)
    found: list[tuple[str, bool]] = []
    try:
        with os.scandir(base) as entries:
            for entry in entries:
                if not entry.name.startswith(stem) or (
                    entry.name.startswith(".") and not stem.startswith(".")
                ):
                    continue
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    continue
                found.append((f"{folder}{sep}{entry.name}" + ("/" if is_dir else ""), is_dir))
                if len(found) >= MAX_COMPLETIONS * 4:
                    break
    except OSError:
        return []
    found.sort(key=lambda item: (not item[1], item[0].lower()))
    return found[:MAX_COMPLETIONS]


class Composer(Vertical):
    """The prompt box with its attachments and completions; it owns the attachments."""

    DEFAULT_CSS = """
    Composer { height: auto; }
    Composer #attachments { height: auto; display: none; padding: 0 1; }
    Composer #attachments.-shown { display: block; }
    """
    BINDINGS = [Binding("ctrl+l", "pick", "Attach")]

    class Attached(Message):
        """Files read (``attachments``) and why others were not (``errors``); ``restore`` goes back in
        the box when one failed (the ``@path`` it was taken from)."""

        def __init__(self, attachments: list[Attachment], errors: list[str], restore: str = "") -> None:
            super().__init__()
            self.attachments = attachments
            self.errors = errors
            self.restore = restore

    def __init__(self) -> None:
        super().__init__(id="composer")
        self.attachments: list[Attachment] = []
        self.cwd = Path.cwd()
        """Where relative paths start: where the app was started."""
        self._token: tuple[int, int, str] | None = None  # the @token being completed: row, column, text

    def compose(self) -> ComposeResult:
        yield Horizontal(id="attachments")
        yield Completions(id="completions")
        yield PromptBox()

    def on_mount(self) -> None:
        self.query_one(PromptBox).completion_key = self.completion_key

    # ---- attaching --------------------------------------------------------------------------------
    @work(thread=True, exit_on_error=False, group="attach")
    def attach(self, paths: list[str], restore: str = "") -> None:
        """Read and check these files in a thread; what comes back is shown as chips, or said."""
        done, errors = [], []
        for path in paths:
            try:
                done.append(read(path, self.cwd))
            except AttachError as exc:
                errors.append(str(exc))
        self.post_message(self.Attached(done, errors, restore))

    def on_composer_attached(self, message: Attached) -> None:
        for error in message.errors:
            self.notify(inert(error), title="Not attached", severity="warning", timeout=10, markup=False)
        if message.errors and message.restore:
            self.query_one(PromptBox).insert(inert(message.restore))
        for attachment in message.attachments:
            if any(a.sha256 == attachment.sha256 for a in self.attachments):
                self.notify(inert(f"{attachment.name} is attached already."), markup=False)
                continue
            self.attachments.append(attachment)
            self.query_one("#attachments").mount(Chip(attachment))
        self._show_chips()

    @on(Chip.Remove)
    def remove(self, message: Chip.Remove) -> None:
        if message.chip.attachment in self.attachments:
            self.attachments.remove(message.chip.attachment)
        message.chip.remove()
        self.query_one(PromptBox).focus()
        self.call_after_refresh(self._show_chips)

    def _show_chips(self) -> None:
        self.query_one("#attachments").set_class(bool(self.attachments), "-shown")

    def action_pick(self) -> None:
        """The file picker (textual-fspicker), from where the app was started."""
        from claude_textual.ui.screens.picker import Picker

        def picked(path: Path | None) -> None:
            if path is not None:
                self.attach([str(path)])
            self.query_one(PromptBox).focus()

        self.app.push_screen(Picker(self.cwd, title="Attach a file"), picked)

    @on(PromptBox.PathsPasted)
    def offer(self, message: PromptBox.PathsPasted) -> None:
        """A paste that names existing files: attach them (y / Enter), or paste the text (n / Esc)."""
        from claude_textual.ui.screens.dialogs import ConfirmScreen

        names = ", ".join(p.name for p in message.paths)
        box = self.query_one(PromptBox)

        def answered(yes: bool | None) -> None:
            if yes:
                self.attach([str(p) for p in message.paths])
            else:
                box.insert(inert(message.text))
            box.focus()

        question = f"Attach {names}? (n pastes the path as text)"
        dialog = ConfirmScreen(question, "Attach", title="Pasted a path", destructive=False)
        self.app.push_screen(dialog, answered)

    @on(PromptBox.Submitted)
    def add_attachments(self, message: PromptBox.Submitted) -> None:
        """The prompt on its way up to the screen takes the attachments with it."""
        message.attachments = tuple(self.attachments)

    @on(PromptBox.LetGo)
    def let_go(self) -> None:
        """The prompt was saved: its attachments went with it."""
        self.attachments.clear()
        self.query_one("#attachments").remove_children()
        self._show_chips()

    # ---- completion: @path, /command --------------------------------------------------------------
    @on(TextArea.Changed)
    @on(TextArea.SelectionChanged)
    def follow_cursor(self) -> None:
        box = self.query_one(PromptBox)
        row, column = box.cursor_location
        line = box.document.get_line(row)[:column] if row < box.document.line_count else ""
        match = MENTION.search(line)
        command = row == 0 and column == len(box.document.get_line(0)) and line.startswith("/")
        if box.selection.start != box.selection.end or box.editing is not None or not (match or command):
            self._token = None
            self.query_one(Completions).remove_class("-shown")
            return
        if match is None:  # a slash command: completed from the box's start
            self._token = (0, 0, line)
            found = completions(line, [m.id for m in Catalogue().models])
            self._show_completions(line, [(done, inert(label)) for done, label in found])
            return
        token = match.group(1)
        self._token = (row, column - len(token), token)
        self.list_paths(token)

    @work(thread=True, exclusive=True, group="complete", exit_on_error=False)
    def list_paths(self, token: str) -> None:
        found = [(path, inert(path)) for path, _ in candidates(token, self.cwd)]
        self.app.call_from_thread(self._show_completions, token, found)

    def _show_completions(self, token: str, found: list[tuple[str, str]]) -> None:
        """Show (completion, label) pairs for ``token``, unless the token changed meanwhile."""
        menu = self.query_one(Completions)
        if self._token is None or self._token[2] != token:
            return  # typed on meanwhile
        menu.clear_options()
        menu.add_options(Option(Text(label), id=done) for done, label in found)
        menu.set_class(bool(found), "-shown")
        if found:
            menu.highlighted = 0

    def completion_key(self, key: str) -> bool:
        """A key the prompt box offers while completions show: Tab takes one, Up/Down move, Esc hides."""
        menu = self.query_one(Completions)
        if not menu.has_class("-shown") or self._token is None:
            return False
        if key == "escape":
            menu.remove_class("-shown")
        elif key in ("up", "down"):
            menu.action_cursor_up() if key == "up" else menu.action_cursor_down()
        elif key == "tab" and menu.highlighted is not None:
            self.take(str(menu.get_option_at_index(menu.highlighted).id))
        else:
            return False
        return True

    def take(self, completed: str) -> None:
        """Put the completion in place of the ``@token``; a file is attached and its ``@path`` taken out."""
        assert self._token is not None
        row, start, token = self._token
        box = self.query_one(PromptBox)
        if token.startswith("/") and start == 0:  # a command or its argument: the line completed
            box.replace(completed, (0, 0), (0, len(token)))
            return
        if completed.endswith("/"):
            box.replace(completed, (row, start), (row, start + len(token)))
            return
        box.replace("", (row, start - 1), (row, start + len(token)))
        self.query_one(Completions).remove_class("-shown")
        self._token = None
        self.attach([completed], restore=f"@{completed}")
