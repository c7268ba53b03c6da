"""The sidebar: the title filter and the conversation list, over the session's :class:`Library`.

It owns the list's view, filter and pages, and the list actions (rename, archive, trash, undo, view);
it tells the screen what concerns the open conversation with :class:`Sidebar.Open`,
:class:`Sidebar.Renamed` and :class:`Sidebar.Trashed`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, OptionList

from claude_textual.core.recorder import RecordError
from claude_textual.core.sanitize import inert
from claude_textual.ui.widgets.conversation_list import ConversationList

if TYPE_CHECKING:
    from claude_textual.session.library import Library

FILTER_DELAY = 0.15
"""Seconds the filter waits for more typing before the list is read again."""


class Sidebar(Vertical):
    BINDINGS = [Binding("escape", "clear_filter", "Clear filter")]
    DEFAULT_CSS = """
    Sidebar { width: 36; }
    Sidebar.-hidden { display: none; }
    Sidebar #filter { border: round $panel; }
    Sidebar #filter:focus { border: round $accent; }
    """

    class Open(Message):
        def __init__(self, conversation_id: str) -> None:
            super().__init__()
            self.conversation_id = conversation_id

    class Renamed(Message):
        def __init__(self, conversation_id: str, title: str) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.title = title

    class Trashed(Message):
        def __init__(self, conversation_id: str) -> None:
            super().__init__()
            self.conversation_id = conversation_id

    class DeletedForGood(Message):
        """These conversations are gone for good (their drafts go too)."""

        def __init__(self, ids: list[str]) -> None:
            super().__init__()
            self.ids = ids

    def __init__(self) -> None:
        super().__init__(id="sidebar")
        self.library: Library | None = None
        self.current: str | None = None
        """The open conversation, highlighted when the list is read."""
        self._filter_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Filter titles  ( / )", id="filter")
        yield ConversationList()

    def set_current(self, conversation_id: str | None) -> None:
        """Highlight the open conversation (None: none is open), now and whenever the list is read."""
        self.current = conversation_id
        self.query_one(ConversationList).highlight(conversation_id)

    def attach(self, library: Library) -> None:
        self.library = library
        self.reload()
        self.after_open()

    @work(exit_on_error=False, group="prices")
    async def after_open(self) -> None:
        """Check the file (a damaged one may list fewer conversations: say so), then price what was
        stored before costs were kept (or priced by another table), and show it."""
        if self.library is None:
            return
        if damage := await self.library.damage():
            self.notify(inert(damage), title="Database", severity="error", timeout=60, markup=False)
        if await self.library.reprice():
            self.reload()

    @work(exit_on_error=False, exclusive=True, group="list")
    async def reload(self, offset: int = 0) -> None:
        if self.library is None:
            return
        try:
            page = await self.library.page(offset)
        except RecordError as exc:
            self.notify(inert(str(exc)), title="Database", severity="error", markup=False)
            return
        listing = self.query_one(ConversationList)
        listing.show(page.conversations, self.current, append=offset > 0, usage=page.usage)
        if page.total is not None:
            listing.set_view(page.view, page.total, self.library.title_filter)

    def on_conversation_list_need_more(self, message: ConversationList.NeedMore) -> None:
        self.reload(message.offset)

    @on(OptionList.OptionSelected, "#conversations")
    def selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Open(event.option.id))

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        if self.library is not None:
            self.library.title_filter = event.value.strip()
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, self.reload)

    def action_clear_filter(self) -> None:
        self.query_one("#filter", Input).value = ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "clear_filter" or bool(self.query_one("#filter", Input).value)

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.query_one(ConversationList).focus()

    @work(exit_on_error=False, group="modal")
    async def on_conversation_list_act(self, message: ConversationList.Act) -> None:
        if self.library is None:
            return
        try:
            await self.act(self.library, message.action, message.conversation_id)
        except RecordError as exc:
            self.notify(inert(str(exc)), title="Database", severity="error", markup=False)
        self.reload()

    async def act(self, library: Library, action: str, target: str | None) -> None:
        if action == "view":
            library.next_view()
        elif action == "empty":
            await self.empty_trash(library)
        elif action == "undo":
            self.notify(await library.undo(target))
        elif target is not None and (conversation := await library.get(target)) is not None:
            if action == "rename":
                await self.rename(library, target, conversation.title)
            elif action == "archive":
                self.notify(await library.toggle_archived(conversation))
            elif action == "delete" and library.view == "trash":  # a second delete is for good
                await self.delete_for_good(library, target, conversation.title)
            elif action == "delete":
                await self.move_to_trash(library, target, conversation.title)

    async def empty_trash(self, library: Library) -> None:
        from claude_textual.ui.screens.dialogs import ConfirmScreen

        question = "Delete every conversation in the trash for good? There is no undo."
        if library.view == "trash" and await self.app.push_screen_wait(
            ConfirmScreen(question, "Empty trash")
        ):
            gone = await library.empty_trash()
            self.notify(f"Deleted {len(gone):,} conversation(s) for good.")
            self.post_message(self.DeletedForGood(gone))

    async def rename(self, library: Library, target: str, title: str) -> None:
        from claude_textual.ui.screens.dialogs import TextPromptScreen

        new = await self.app.push_screen_wait(TextPromptScreen("Rename conversation", inert(title)))
        if new is not None:
            await library.rename(target, new)
            self.post_message(self.Renamed(target, new))

    async def delete_for_good(self, library: Library, target: str, title: str) -> None:
        from claude_textual.ui.screens.dialogs import ConfirmScreen

        question = f"Delete “{title}” for good? Its messages, and their search entries, go; no undo."
        if await self.app.push_screen_wait(ConfirmScreen(question, "Delete for good")):
            await library.delete_forever(target)
            self.notify("Deleted for good.")
            self.post_message(self.Trashed(target))
            self.post_message(self.DeletedForGood([target]))

    async def move_to_trash(self, library: Library, target: str, title: str) -> None:
        """Ask, then move ``target`` to the trash (``u`` in the list undoes it)."""
        from claude_textual.ui.screens.dialogs import ConfirmScreen

        if await self.app.push_screen_wait(ConfirmScreen(f"Move “{title}” to the trash?", "Move to trash")):
            await library.trash(target)
            self.notify("Moved to the trash. Press u in the list to undo.")
            self.post_message(self.Trashed(target))
