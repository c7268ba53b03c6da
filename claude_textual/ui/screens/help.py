"""The help screen (F1, or ``?`` where you are not typing): every key, by where it works.

The keys come from the widgets' own ``BINDINGS``, so the screen cannot drift from what the keys do; a
few that Textual or the widgets handle themselves (Tab, Enter in the list, the prompt's editing keys) are
listed beside them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

if TYPE_CHECKING:
    from collections.abc import Iterable

EXTRA = {
    "Anywhere": [("Tab / Shift+Tab", "Move the focus: title filter, list, transcript, prompt")],
    "Prompt box": [
        ("Enter", "A new line (Ctrl+S sends)"),
        ("Up / Down", "In an empty box: the prompts sent before, and back"),
        ("Tab", "Complete an @path (a file is attached) or a /command and its argument"),
        ("Ctrl+Z / Ctrl+Y", "Undo / redo"),
        ("paste", "A paste over 20,000 characters stands as one line and is sent whole"),
    ],
    "Transcript (select a message with j / k)": [
        ("any other letter", "Goes to the prompt box, and so does the focus")
    ],
    "Conversation list": [("Enter", "Open the highlighted conversation"), ("/", "Filter the titles")],
}


def _rows(bindings: Iterable[BindingType], display) -> list[tuple[str, str]]:
    rows = []
    for binding in bindings:
        if not isinstance(binding, Binding) or not binding.description:
            continue
        keys = " / ".join(display(key.strip()) for key in binding.key.split(","))
        rows.append((keys, binding.description))
    return rows


def sections(display) -> dict[str, list[tuple[str, str]]]:
    """Where a key works -> (keys, what it does), from the bindings of the app's screens and widgets."""
    from claude_textual.ui.app import ClaudeApp
    from claude_textual.ui.screens.chat import ChatScreen
    from claude_textual.ui.screens.usage import UsageScreen
    from claude_textual.ui.widgets.composer import Composer
    from claude_textual.ui.widgets.conversation_list import ConversationList
    from claude_textual.ui.widgets.message_pane import MessagePane
    from claude_textual.ui.widgets.prompt import PromptBox
    from claude_textual.ui.widgets.sidebar import Sidebar

    found = {
        "Anywhere": _rows([*ClaudeApp.BINDINGS, *ChatScreen.BINDINGS], display),
        "Prompt box": _rows([*PromptBox.BINDINGS, *Composer.BINDINGS], display),
        "Transcript (select a message with j / k)": _rows(MessagePane.BINDINGS, display),
        "Conversation list": _rows([*ConversationList.BINDINGS, *Sidebar.BINDINGS], display),
        "Usage screen (Ctrl+T)": _rows(UsageScreen.BINDINGS, display),
    }
    for where, rows in EXTRA.items():
        found[where] = [*found[where], *rows]
    from claude_textual.ui.slash import help_lines

    found["Slash commands (typed in the prompt box; // sends a leading /)"] = help_lines()
    return found


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; background: $background 60%; }
    HelpScreen > VerticalScroll {
        width: 90; max-width: 95%; height: 90%; border: round $accent; background: $surface; padding: 0 2;
    }
    """
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]
    CSS = "HelpScreen .help-where { margin-top: 1; }"

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Keys"
            for where, rows in sections(lambda key: self.app.get_key_display(Binding(key, "-"))).items():
                table = Table(box=None, show_header=False, pad_edge=False, expand=False)
                table.add_column(style="bold", min_width=30, max_width=30, no_wrap=True)
                table.add_column(max_width=60)
                for keys, what in rows:
                    table.add_row(Text(keys), Text(what))
                yield Static(Text(where, style="bold underline"), classes="help-where", markup=False)
                yield Static(table, markup=False)
            yield Static(
                Text("The footer shows the keys of where the focus is. Ctrl+P opens the command palette."),
                markup=False,
            )
        yield Footer()
