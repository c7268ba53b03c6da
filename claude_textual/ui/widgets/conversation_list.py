"""The conversation list: newest activity first, one page at a time, managed from the keyboard.

The list never touches the store: it asks for more pages and for actions with messages, and the
screen answers.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from rich.text import Text
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from claude_textual.core.describe import money
from claude_textual.core.model import Conversation, Totals, utcnow
from claude_textual.core.sanitize import inert
from claude_textual.session.library import PAGE

VIEW_TITLES = {"active": "Conversations", "archived": "Archived", "trash": "Trash"}


def relative_time(when: datetime, now: datetime | None = None) -> str:
    seconds = max(0, int(((now or utcnow()) - when).total_seconds()))
    for size, unit in (
        (86400 * 365, "y"),
        (86400 * 30, "mo"),
        (86400 * 7, "w"),
        (86400, "d"),
        (3600, "h"),
        (60, "m"),
    ):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return "just now"


def _line(text: str, width: int) -> Text:
    """One line, cut with an ellipsis at ``width`` cells."""
    line = Text(" ".join(inert(text).split()))
    line.truncate(width, overflow="ellipsis")
    return line


def _label(conv: Conversation, usage: Totals | None, width: int) -> Text:
    known = usage is not None and usage.cost_usd is not None and usage.records
    cost = f" · {money(usage.cost_usd)}" if known else ""  # an unknown cost would only crowd the line
    meta = _line(f"{conv.message_count} msgs · {relative_time(conv.updated_at)}{cost} · {conv.model}", width)
    meta.stylize("dim")
    return Text("\n").join([_line(conv.title or "(untitled)", width), meta])


class ConversationList(OptionList):
    DEFAULT_CSS = """
    ConversationList { height: 1fr; border: round $panel; border-title-color: $text-muted; background: $surface; }
    ConversationList:focus { border: round $accent; }
    """
    BINDINGS = [
        Binding("r", "act('rename')", "Rename"),
        Binding("d,delete", "act('delete')", "Delete"),  # in the trash: for good
        Binding("a", "act('archive')", "Archive"),
        Binding("u", "act('undo')", "Undo/restore"),
        Binding("v", "act('view')", "View"),
        Binding("E", "act('empty')", "Empty trash"),
    ]

    class Act(Message):
        """The user asked for ``action`` on the highlighted conversation (None when there is none)."""

        def __init__(self, action: str, conversation_id: str | None) -> None:
            super().__init__()
            self.action = action
            self.conversation_id = conversation_id

    class NeedMore(Message):
        """The highlight is near the end of what is loaded: load the page after ``offset``."""

        def __init__(self, offset: int) -> None:
            super().__init__()
            self.offset = offset

    def __init__(self) -> None:
        super().__init__(id="conversations")
        self.loaded = 0
        self.exhausted = False
        self.rows: list[tuple[Conversation, Totals | None]] = []
        """What is listed, to label it again at another width."""
        self._labelled = 0
        self.set_view("active", 0)

    def set_view(self, view: str, total: int | None, title_filter: str = "") -> None:
        """The view and how many it holds in the border; a title filter, while set, is said there too."""
        self.view = view
        shown = inert(title_filter)
        self.border_title = Content(VIEW_TITLES[view] + (f" · filter “{shown}”" if shown else ""))
        self.border_subtitle = f"{total:,}" if total is not None else ""
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """In the trash, Delete deletes for good and Empty trash is offered; elsewhere it is not."""
        if action == "act" and parameters == ("empty",):
            return self.view == "trash"
        return True

    def show(
        self,
        conversations: list[Conversation],
        current: str | None,
        *,
        append: bool = False,
        usage: dict[str, Totals] | None = None,
    ) -> None:
        highlighted = self.highlighted
        if not append:
            self.clear_options()
            self.loaded = 0
            self.rows = []
        usage = usage or {}
        self.rows += [(c, usage.get(c.id)) for c in conversations]
        width = self.label_width()
        self.add_options([Option(_label(c, usage.get(c.id), width), id=c.id) for c in conversations])
        self.loaded += len(conversations)
        self.exhausted = len(conversations) < PAGE
        if append:
            self.highlighted = highlighted
        else:
            self.highlight(current)
            if self.has_focus:  # another view: its first one, to act on
                self._highlight_first()

    def label_width(self) -> int:
        """Cells a label line may take: the list's width less its border, padding and scrollbar."""
        return max(12, (self.size.width or 36) - 8)

    def on_resize(self) -> None:
        """Titles use the width the list has: relabel when it changed."""
        width = self.label_width()
        if width != self._labelled:
            self._labelled = width
            for index, (conv, usage) in enumerate(self.rows):
                self.replace_option_prompt_at_index(index, _label(conv, usage, width))

    def highlight(self, conversation_id: str | None) -> None:
        """Highlight that conversation when it is listed (None: nothing)."""
        if conversation_id is None:
            self.highlighted = None
            return
        with contextlib.suppress(OptionDoesNotExist):
            self.highlighted = self.get_option_index(conversation_id)

    def on_focus(self) -> None:
        self._highlight_first()

    def _highlight_first(self) -> None:
        """The first one, when nothing is highlighted: a key may reach the list before its Focus event
        (Tab then Enter typed on a busy machine), and it acts on what the focus shows."""
        if self.highlighted is None and self.option_count:
            self.highlighted = 0

    def action_select(self) -> None:
        self._highlight_first()
        super().action_select()

    def action_act(self, action: str) -> None:
        self._highlight_first()
        option = self.highlighted_option
        self.post_message(self.Act(action, option.id if option else None))

    def _on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if not self.exhausted and event.option_index >= self.loaded - 20:
            self.exhausted = True  # until the page arrives
            self.post_message(self.NeedMore(self.loaded))
