"""The file picker for attachments: textual-fspicker's open dialog, with file names drawn inert.

A file name may hold any character but ``/``, escape sequences too, and the dialog draws names (in
its list and its file-name field) as they are; here each goes through ``core.sanitize.inert`` first.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.widgets import Footer, Input
from textual_fspicker import FileOpen
from textual_fspicker.parts import DirectoryNavigation
from textual_fspicker.parts.directory_navigation import DirectoryEntry

from claude_textual.core.sanitize import inert

_listed_name = DirectoryEntry._name.__func__  # type: ignore[attr-defined]


def _inert_name(cls: type, location) -> Text:  # noqa: ANN001 - the dialog's own signature
    return Text(inert(_listed_name(cls, location).plain))


DirectoryEntry._name = classmethod(_inert_name)  # type: ignore[method-assign]


class Picker(FileOpen):
    """Pick a file to attach, starting where the app was started."""

    def on_mount(self) -> None:
        self.mount(Footer())  # over the chat's: this dialog's keys

    @on(DirectoryNavigation.Selected)
    def _select_file(self, event: DirectoryNavigation.Selected) -> None:
        event.prevent_default()  # the dialog's own handler would put the name in raw
        field = self.query_one(Input)
        field.value = inert(event.path.name)
        field.focus()
