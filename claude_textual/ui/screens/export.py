"""Export one conversation as Markdown, JSON or HTML: save it to a private file, or copy it.

The screen returns a status line to show ("Saved … to …", "Copied …"), or None when cancelled.
Building the text and writing the file run in a thread worker that posts ``Done``; errors (a bad
path, permission denied) are shown in the dialog, which stays open.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, RadioButton, RadioSet, Static

from claude_textual.config import write_private
from claude_textual.core.model import Conversation
from claude_textual.core.sanitize import inert
from claude_textual.transcripts import export
from claude_textual.ui.clipboard import copy_text

if TYPE_CHECKING:
    from claude_textual.store.history import History

FORMATS: dict[str, tuple[str, str, str]] = {
    # format: (label, file extension, key)
    "markdown": ("Markdown", "md", "m"),
    "json": ("JSON", "json", "j"),
    "html": ("HTML", "html", "h"),
}


def slugify(title: str, limit: int = 48) -> str:
    """A file-name-safe slug of ``title`` (letters of any script kept), never empty."""
    slug = re.sub(r"[\W_]+", "-", title.lower()).strip("-")[:limit].strip("-")
    return slug or "conversation"


def default_path(conversation: Conversation, fmt: str, directory: Path | None = None) -> Path:
    ext = FORMATS[fmt][1]
    return (directory or Path.cwd()) / f"{slugify(conversation.title)}-{conversation.id[:8]}.{ext}"


def resolve_path(text: str, directory: Path | None = None) -> Path:
    path = Path(text.strip()).expanduser()
    return path if path.is_absolute() else (directory or Path.cwd()) / path


def render(history: History, conversation_id: str, fmt: str) -> str:
    """The conversation as ``fmt`` text; LookupError if it is gone."""
    conversation = history.get_conversation(conversation_id)
    if conversation is None:
        raise LookupError("This conversation no longer exists.")
    messages = history.load_messages(conversation_id)
    files = export.attached_files(history, messages) if fmt != "md" else {}
    return export.render(fmt, conversation, messages, files)


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


class ExportScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    ExportScreen {
        align: center middle;
        background: $background 60%;
    }
    ExportScreen > #export-box {
        width: 80%;
        max-width: 100;
        height: auto;
        border: round $accent;
        border-title-color: $text;
        background: $surface;
        padding: 1 2;
    }
    ExportScreen #export-title {
        text-style: bold;
        margin-bottom: 1;
    }
    ExportScreen #export-format {
        layout: horizontal;
        width: 100%;
        height: auto;
        border: none;
        background: $surface;
        margin-bottom: 1;
    }
    ExportScreen #export-format:focus {
        border: none;
        background: $boost;
    }
    ExportScreen #export-format RadioButton {
        width: auto;
        margin-right: 3;
    }
    ExportScreen #export-message {
        height: auto;
        min-height: 1;
        margin: 1 0 0 0;
        color: $text-muted;
    }
    ExportScreen #export-message.-error {
        color: $error;
        text-style: bold;
    }
    ExportScreen #export-message.-warning {
        color: $warning;
    }
    ExportScreen #export-buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    ExportScreen #export-buttons Button {
        margin-left: 1;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+y", "copy", "Copy"),
        Binding("m", "format('markdown')", "Markdown"),
        Binding("j", "format('json')", "JSON"),
        Binding("h", "format('html')", "HTML"),
    ]

    class Done(Message):
        """A worker's outcome: the text it built (and where it saved it), or the error."""

        def __init__(
            self, action: str, fmt: str, text: str = "", path: Path | None = None, error: str | None = None
        ) -> None:
            super().__init__()
            self.action = action
            self.fmt = fmt
            self.text = text
            self.path = path
            self.error = error

    def __init__(
        self, history: History, conversation_id: str, fmt: str = "markdown", directory: Path | None = None
    ) -> None:
        super().__init__()
        self.history = history
        self.conversation_id = conversation_id
        self.fmt = fmt if fmt in FORMATS else "markdown"
        self.directory = directory
        """Where a file goes unless a path says otherwise (None: the working directory)."""
        self.conversation: Conversation | None = None
        self.busy = False
        self.loaded = False
        self._asked: Callable[[], None] | None = (
            None  # save or copy, asked for before the conversation was read
        )
        self._overwrite: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box") as box:
            box.border_title = "Export conversation"
            yield Static("", id="export-title", markup=False)
            with RadioSet(id="export-format"):
                for fmt, (label, _ext, key) in FORMATS.items():
                    yield RadioButton(Text(f"{label} ({key})"), value=fmt == self.fmt, id=f"fmt-{fmt}")
            yield Label("Save to")
            yield Input(id="export-path", placeholder="file path", select_on_focus=False)
            yield Static("", id="export-message", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button("Save", id="export-save", variant="primary")
                yield Button("Copy", id="export-copy")
                yield Button("Cancel", id="export-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#export-format", RadioSet).focus()
        self.load()

    @work(exit_on_error=False, group="load")
    async def load(self) -> None:
        """Read the conversation off the event loop; a save or copy asked for meanwhile then runs."""
        try:
            self.conversation = await asyncio.to_thread(self.history.get_conversation, self.conversation_id)
        except Exception as exc:  # the database failing is shown, not raised
            self.show_message(f"Could not read the conversation: {exc}", "error")
        if self.conversation is None:
            if not self.query_one("#export-message", Static).has_class("-error"):
                self.show_message("This conversation no longer exists.", "error")
            self.query_one("#export-save", Button).disabled = True
            self.query_one("#export-copy", Button).disabled = True
        else:
            self.query_one("#export-title", Static).update(inert(self.conversation.title) or "(untitled)")
            self.query_one("#export-path", Input).value = str(
                default_path(self.conversation, self.fmt, self.directory)
            )
        self.loaded = True
        if self._asked is not None and self.conversation is not None:
            self._asked()

    # ---- format and path ---------------------------------------------------------------------------
    @property
    def path_input(self) -> Input:
        return self.query_one("#export-path", Input)

    def action_format(self, fmt: str) -> None:
        button = self.query_one(f"#fmt-{fmt}", RadioButton)
        if not button.value:
            button.value = True  # the RadioSet posts Changed; set_format follows
        else:
            self.set_format(fmt)

    @on(RadioSet.Changed, "#export-format")
    def format_changed(self, event: RadioSet.Changed) -> None:
        if event.pressed.id:
            self.set_format(event.pressed.id.removeprefix("fmt-"))

    def set_format(self, fmt: str) -> None:
        old, self.fmt = self.fmt, fmt
        if self.conversation is None or old == fmt:
            return
        value = self.path_input.value.strip()
        defaults = {str(default_path(self.conversation, f, self.directory)) for f in FORMATS}
        if not value or value in defaults:
            self.path_input.value = str(default_path(self.conversation, fmt, self.directory))
        elif value.endswith("." + FORMATS[old][1]):  # the user's own name: swap the extension only
            self.path_input.value = value[: -len(FORMATS[old][1])] + FORMATS[fmt][1]
        self._overwrite = None
        self.show_message("")

    @on(Input.Changed, "#export-path")
    def path_changed(self) -> None:
        self._overwrite = None

    # ---- save and copy -----------------------------------------------------------------------------
    @on(Input.Submitted, "#export-path")
    def path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#export-save")
    def save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#export-copy")
    def copy_pressed(self) -> None:
        self.action_copy()

    @on(Button.Pressed, "#export-cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel()

    def action_save(self) -> None:
        if not self.loaded:
            self._asked = self.action_save
            return
        if self.busy or self.conversation is None:
            return
        text = self.path_input.value.strip()
        if not text:
            self.show_message("Enter a file path to save to.", "error")
            self.path_input.focus()
            return
        path = resolve_path(text, self.directory)
        if path.is_dir():
            self.show_message(f"{path} is a directory; enter a file name.", "error")
            self.path_input.focus()
            return
        if path.exists() and self._overwrite != path:
            self._overwrite = path
            self.show_message(f"{path} exists. Save again to overwrite it.", "warning")
            return
        self.start("save", path)

    def action_copy(self) -> None:
        if not self.loaded:
            self._asked = self.action_copy
        elif not self.busy and self.conversation is not None:
            self.start("copy", None)

    def start(self, action: str, path: Path | None) -> None:
        self.busy = True
        for button in self.query("#export-buttons Button"):
            button.disabled = True
        label = FORMATS[self.fmt][0]
        self.show_message(f"Saving {label}…" if action == "save" else f"Building {label} for the clipboard…")
        self.export(action, self.fmt, path)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def export(self, action: str, fmt: str, path: Path | None) -> None:
        try:
            text = render(self.history, self.conversation_id, fmt)
        except Exception as exc:  # a missing module, a database error: shown, not raised
            self.post_message(
                self.Done(action, fmt, error=f"Could not build the {FORMATS[fmt][0]} export: {exc}")
            )
            return
        if path is not None:
            try:
                write_private(path, text)
            except Exception as exc:  # permission denied, not a directory, disk full: shown, not raised
                reason = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
                self.post_message(self.Done(action, fmt, text, path, f"Could not save to {path}: {reason}"))
                return
        self.post_message(self.Done(action, fmt, text, path))

    async def on_export_screen_done(self, message: Done) -> None:
        self.busy = False
        for button in self.query("#export-buttons Button"):
            button.disabled = False
        if message.error:
            self.show_message(message.error, "error")
            if message.action == "save":
                self.path_input.focus()
            return
        label = FORMATS[message.fmt][0]
        if message.action == "save" and message.path is not None:
            size = human_size(len(message.text.encode("utf-8", errors="replace")))
            self.dismiss(f"Saved the {label} transcript to {message.path} ({size}).")
        else:
            self.dismiss(f"{(await copy_text(self.app, message.text))[0]} — the {label} transcript.")

    def show_message(self, text: str, severity: str = "") -> None:
        widget = self.query_one("#export-message", Static)
        widget.update(inert(text))
        widget.set_class(severity == "error", "-error")
        widget.set_class(severity == "warning", "-warning")

    def action_cancel(self) -> None:
        self.dismiss(None)
