"""Search every conversation: type words, pick a message; the screen returns the SearchHit (or None).

Typing starts a short timer; when it fires, a thread worker runs the query and posts ``Results``.
The handler fills the list, dropping answers to queries that are no longer in the box. All text shown
comes from the database (model output, titles), so it is made inert and never parsed as markup.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from claude_textual.core.model import SearchHit
from claude_textual.core.sanitize import inert
from claude_textual.ui.widgets.conversation_list import relative_time

if TYPE_CHECKING:
    from claude_textual.store.history import History

DEBOUNCE = 0.15
"""Seconds of quiet typing before a search runs."""

LIMIT = 50
"""Most hits asked for; the newest come first."""

MATCH_STYLE = "bold reverse"
PLACEHOLDER = (
    'Search all conversations — every word must match; "quote phrases"; 3+ characters search fastest'
)
_MARKED = re.compile("«([^«»]*)»")


def marked_text(snippet: str, short_terms: list[str] | None = None) -> Text:
    """``snippet`` as Text, the «marked» passages highlighted (marks removed), everything inert.

    ``short_terms`` (under three characters, which the index does not mark) are highlighted too.
    """
    text = Text(no_wrap=True, overflow="ellipsis")
    end = 0
    for match in _MARKED.finditer(snippet):
        text.append(inert(snippet[end : match.start()]))
        text.append(inert(match.group(1)), style=MATCH_STYLE)
        end = match.end()
    text.append(inert(snippet[end:]))
    if short_terms:
        text.highlight_words([inert(t) for t in short_terms], MATCH_STYLE, case_sensitive=False)
    return text


def hit_label(hit: SearchHit, short_terms: list[str] | None = None) -> Text:
    """Two lines: title · role · when, then the snippet."""
    label = Text(no_wrap=True, overflow="ellipsis")
    label.append(inert(hit.title) or "(untitled)", style="bold")
    when = hit.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
    label.append(f"  {inert(hit.role)} · {relative_time(hit.created_at)} · {when}", style="dim")
    label.append("\n")
    label.append_text(marked_text(hit.snippet, short_terms))
    return label


class SearchInput(Input):
    BINDINGS = [Binding("enter", "submit", "Open")]


class ResultList(OptionList):
    """The hits; Up on the first one goes back to the search box."""

    BINDINGS = [Binding("enter", "select", "Open")]

    class LeftTop(Message):
        pass

    def action_cursor_up(self) -> None:
        if self.highlighted is None or self.highlighted == 0:
            self.post_message(self.LeftTop())
        else:
            super().action_cursor_up()


class SearchScreen(ModalScreen[SearchHit | None]):
    DEFAULT_CSS = """
    SearchScreen {
        align: center top;
        background: $background 60%;
    }
    SearchScreen > #search-box {
        width: 90%;
        max-width: 120;
        height: 80%;
        margin-top: 2;
        border: round $accent;
        border-title-color: $text;
        background: $surface;
        padding: 0 1;
    }
    SearchScreen #search-input {
        margin: 0;
    }
    SearchScreen #search-status {
        height: 1;
        color: $text-muted;
        padding: 0 1;
    }
    SearchScreen #search-status.-error {
        color: $error;
    }
    SearchScreen #search-results {
        height: 1fr;
        border: none;
        background: $surface;
    }
    SearchScreen #search-results > .option-list--option {
        padding: 0 1;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Close"),
        Binding("down", "results", "Results"),
    ]

    class Results(Message):
        """A worker's answer: the hits for ``query``, or the error that stopped it."""

        def __init__(self, query: str, hits: list[SearchHit], error: str | None = None) -> None:
            super().__init__()
            self.query = query
            self.hits = hits
            self.error = error

    def __init__(self, history: History, query: str = "") -> None:
        super().__init__()
        self.history = history
        self.initial_query = query
        self.hits: list[SearchHit] = []
        self.shown_query: str | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box") as box:
            box.border_title = "Search"
            yield SearchInput(self.initial_query, placeholder=PLACEHOLDER, id="search-input")
            yield Static("Type to search every message.", id="search-status", markup=False)
            yield ResultList(id="search-results")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#search-input", Input).focus()
        if self.initial_query.strip():
            self.run_search()

    # ---- searching ---------------------------------------------------------------------------------
    @property
    def query_text(self) -> str:
        return self.query_one("#search-input", Input).value.strip()

    @on(Input.Changed, "#search-input")
    def query_changed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self.run_search)

    def run_search(self) -> None:
        self._timer = None
        query = self.query_text
        if not query:
            self.show_hits("", [])
            return
        if query == self.shown_query:
            return
        self.set_status("Searching…")
        self.search(query)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def search(self, query: str) -> None:
        try:
            hits = self.history.search(query, LIMIT)
        except Exception as exc:  # a database error is shown, not raised
            self.post_message(self.Results(query, [], f"Search failed: {exc}"))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.Results(query, hits))

    def on_search_screen_results(self, message: Results) -> None:
        if message.query != self.query_text:
            return  # a newer query is on its way
        if message.error:
            self.shown_query = None
            self.set_status(message.error, error=True)
            return
        self.show_hits(message.query, message.hits)

    def show_hits(self, query: str, hits: list[SearchHit]) -> None:
        from claude_textual.store.search import terms_of

        self.hits = hits
        self.shown_query = query or None
        short = [t for t in terms_of(query) if len(t) < 3]
        results = self.query_one("#search-results", ResultList)
        results.clear_options()
        results.add_options([Option(hit_label(hit, short), id=hit.message_id) for hit in hits])
        if hits:
            results.highlighted = 0
        if not query:
            self.set_status("Type to search every message.")
        elif not hits:
            self.set_status("No matches")
        elif len(hits) >= LIMIT:
            self.set_status(f"The newest {len(hits)} matches — add words to narrow it down")
        else:
            self.set_status(f"{len(hits)} match{'es' if len(hits) != 1 else ''}")

    def set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#search-status", Static)
        status.update(inert(text))
        status.set_class(error, "-error")

    # ---- choosing ----------------------------------------------------------------------------------
    @on(OptionList.OptionSelected, "#search-results")
    def result_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.hits):
            self.dismiss(self.hits[event.option_index])

    @on(Input.Submitted, "#search-input")
    def query_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_open()

    @on(ResultList.LeftTop)
    def back_to_input(self) -> None:
        self.query_one("#search-input", Input).focus()

    def action_open(self) -> None:
        """Open the highlighted hit, or the first; if the list is stale, search now instead."""
        if self._timer is not None or self.shown_query != (self.query_text or None):
            if self._timer is not None:
                self._timer.stop()
            self.run_search()
            return
        if not self.hits:
            return
        highlighted = self.query_one("#search-results", ResultList).highlighted
        self.dismiss(self.hits[highlighted if highlighted is not None else 0])

    def action_results(self) -> None:
        results = self.query_one("#search-results", ResultList)
        if results.option_count:
            if results.highlighted is None:
                results.highlighted = 0
            results.focus()

    def action_cancel(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.workers.cancel_group(self, "search")
        self.dismiss(None)
