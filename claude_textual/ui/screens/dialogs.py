"""Small modal dialogs: a yes/no confirmation, a one-line text prompt (for renaming), a pick-one list.

Questions and values often hold conversation titles (model or user text), so they are made inert and
shown without markup.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen, ScreenResultType
from textual.widgets import Button, Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from claude_textual.core.sanitize import inert


class Dialog(ModalScreen[ScreenResultType]):
    """A modal box in the middle of the screen, over the dimmed screen beneath: the base of every dialog.

    Its content goes in a ``Vertical(classes="dialog")``; ``.dialog-text``, ``.dialog-hint`` and
    ``.dialog-buttons`` lay out a question, a hint and a row of buttons.
    """

    DEFAULT_CSS = """
    Dialog {
        align: center middle;
        background: $background 60%;
    }
    Dialog > .dialog {
        width: 64;
        max-width: 90%;
        height: auto;
        border: round $accent;
        border-title-color: $text;
        background: $surface;
        padding: 1 2;
    }
    Dialog .dialog-text { width: 100%; margin-bottom: 1; }
    Dialog .dialog-hint { color: $text-muted; height: auto; }
    Dialog .dialog-hint.-error { color: $error; }
    Dialog .dialog-buttons { width: 100%; height: auto; margin-top: 1; align-horizontal: right; }
    Dialog .dialog-buttons Button { margin-left: 1; }
    """

    def on_mount(self) -> None:
        """Its own footer, over the chat's: the keys shown are the dialog's, not the screen's beneath."""
        self.mount(Footer())


class ConfirmScreen(Dialog[bool]):
    """Ask ``question``; True for y / Enter / the confirm button, False for n / Esc / Cancel."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "Cancel"),
        Binding("enter", "answer(True)", "Confirm", show=False),
    ]

    def __init__(
        self,
        question: str,
        confirm_label: str = "Delete",
        *,
        title: str = "Confirm",
        destructive: bool = True,
    ) -> None:
        super().__init__()
        self.question = question
        self.confirm_label = confirm_label
        self.title_text = title
        self.destructive = destructive

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = Content(inert(self.title_text))
            yield Static(inert(self.question), classes="dialog-text", markup=False)
            yield Static("y or Enter to confirm · n or Esc to cancel", classes="dialog-hint", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    Content(inert(self.confirm_label)),
                    id="confirm",
                    variant="error" if self.destructive else "primary",
                )
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#confirm", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class TextPromptScreen(Dialog[str | None]):
    """Ask for one line of text, prefilled with ``value``; the stripped text on Enter, None on Esc."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        value: str = "",
        *,
        placeholder: str = "",
        allow_empty: bool = False,
        accept_label: str = "OK",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.allow_empty = allow_empty
        self.accept_label = accept_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = Content(inert(self.title_text))
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static(
                "Enter to accept · Esc to cancel", id="prompt-hint", classes="dialog-hint", markup=False
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content(inert(self.accept_label)), id="accept", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()

    @on(Input.Submitted, "#prompt-input")
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.accept()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "accept":
            self.accept()
        else:
            self.dismiss(None)

    def accept(self) -> None:
        text = self.query_one("#prompt-input", Input).value.strip()
        if not text and not self.allow_empty:
            hint = self.query_one("#prompt-hint", Static)
            hint.update("Enter some text, or press Esc to cancel.")
            hint.add_class("-error")
            self.query_one("#prompt-input", Input).focus()
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceScreen(Dialog[int | None]):
    """Pick one of ``choices``: the index on Enter, a click or its number key (1-9); None on Esc."""

    DEFAULT_CSS = """
    ChoiceScreen #choices { height: auto; max-height: 16; border: none; background: $surface; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")] + [
        Binding(str(n), f"choose({n - 1})", str(n), show=False) for n in range(1, 10)
    ]

    def __init__(self, title: str, choices: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = Content(inert(self.title_text))
            options = []
            for n, choice in enumerate(self.choices, 1):
                label = Text(f"{n}. " if n < 10 else "   ", style="dim", no_wrap=True, overflow="ellipsis")
                label.append(inert(choice), style="")
                options.append(Option(label))
            yield OptionList(*options, id="choices")
            yield Static("Enter or a number to choose · Esc to cancel", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        choices = self.query_one("#choices", OptionList)
        choices.focus()
        if self.choices:
            choices.highlighted = 0

    @on(OptionList.OptionSelected, "#choices")
    def selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option_index)

    def action_choose(self, index: int) -> None:
        if 0 <= index < len(self.choices):
            self.dismiss(index)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextDialog(Dialog[None]):
    """Text to select and copy by hand (a read-only box; the terminal's own selection works with
    --no-mouse); Esc closes. The text is made inert: it may come from the model."""

    DEFAULT_CSS = """
    TextDialog > .dialog { width: 90%; height: 80%; }
    TextDialog TextArea { height: 1fr; }
    """
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        from textual.widgets import TextArea

        with Vertical(classes="dialog") as box:
            box.border_title = Content(inert(self.title_text))
            yield TextArea(inert(self.text), read_only=True, soft_wrap=True, id="text")
            yield Static(
                "Select with the keyboard (Shift+arrows) or the mouse · Esc closes", classes="dialog-hint"
            )

    def on_mount(self) -> None:
        self.query_one("#text").focus()

    def action_close(self) -> None:
        self.dismiss(None)
