"""The conversation list and long transcripts from the keyboard: rename, archive, trash and undo,
filter, paging, resume at the end of a long conversation, earlier messages on scroll, copy."""

from __future__ import annotations

from textual.widgets import Input

from claude_textual.core.model import Message, user_text_message
from claude_textual.session.chat import WINDOW
from claude_textual.session.library import PAGE
from claude_textual.store.history import History
from claude_textual.ui.widgets.conversation_list import ConversationList
from claude_textual.ui.widgets.message import UserMessage
from claude_textual.ui.widgets.message_pane import MessagePane
from tests.ui.uihelpers import NotificationLog, ready, run, wait_for


def fill(db_path, conversations: int, messages: int = 2) -> list[str]:
    history = History(db_path)
    ids = []
    for n in range(conversations):
        conv = history.create_conversation(f"topic {n:04d}", "claude-test")
        for m in range(messages):
            if m % 2 == 0:
                history.add_message(conv.id, user_text_message(f"question {m} of {n}"))
            else:
                history.add_message(
                    conv.id,
                    Message(
                        role="assistant",
                        content=[{"type": "text", "text": f"answer {m} of {n}\n\n```sh\necho {n}-{m}\n```"}],
                    ),
                )
        ids.append(conv.id)
    history.close()
    return ids


def listed(app) -> list[str]:
    listing = app.screen.query_one(ConversationList)
    return [listing.get_option_at_index(i).id for i in range(listing.option_count)]


async def focus_list(pilot, index: int = 0) -> ConversationList:
    listing = pilot.app.screen.query_one(ConversationList)
    await wait_for(pilot, lambda: listing.option_count > 0, what="list filled")
    listing.focus()
    listing.highlighted = index
    await pilot.pause()
    return listing


async def test_rename_archive_trash_and_undo(make_app, db_path):
    ids = fill(db_path, 3)
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        listing = await focus_list(pilot)
        assert listed(app) == ids[::-1]

        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen.focused, Input), what="rename prompt")
        app.screen.focused.value = ""
        await pilot.press(*"Renamed", "enter")
        await wait_for(
            pilot, lambda: History(db_path).get_conversation(ids[2]).title == "Renamed", what="renamed"
        )

        listing = await focus_list(pilot, 1)
        await pilot.press("a")
        await wait_for(pilot, lambda: listed(app) == [ids[2], ids[0]], what="archived one gone")
        assert History(db_path).get_conversation(ids[1]).archived

        listing = await focus_list(pilot, 0)
        await pilot.press("d")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="confirm dialog")
        await pilot.press("y")
        await wait_for(pilot, lambda: listed(app) == [ids[0]], what="trashed one gone")
        assert History(db_path).get_conversation(ids[2]).deleted_at is not None

        listing = await focus_list(pilot, 0)
        await pilot.press("u")
        await wait_for(pilot, lambda: listed(app) == [ids[2], ids[0]], what="undo restores")

        await pilot.press("v")  # archived view
        await wait_for(pilot, lambda: listed(app) == [ids[1]], what="archive view")
        assert listing.border_title == "Archived"
        await pilot.press("v")  # trash view, now empty
        await wait_for(pilot, lambda: listing.border_title == "Trash" and listed(app) == [])


async def test_delete_can_be_cancelled(make_app, db_path):
    ids = fill(db_path, 1)
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await focus_list(pilot)
        await pilot.press("d")
        from claude_textual.ui.screens.dialogs import ConfirmScreen

        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="the dialog gone")
        assert History(db_path).get_conversation(ids[0]).deleted_at is None
        assert listed(app) == ids


async def test_filter_and_paging(make_app, db_path):
    ids = fill(db_path, PAGE + 30, messages=0)
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        listing = await focus_list(pilot)
        assert listing.option_count == PAGE and listing.border_subtitle == f"{PAGE + 30:,}"
        listing.highlighted = PAGE - 5  # near the end: the next page loads
        await wait_for(pilot, lambda: listing.option_count == PAGE + 30, what="second page")
        assert listed(app) == ids[::-1]

        await pilot.press("slash")
        assert app.screen.focused.id == "filter"
        await pilot.press(*"0007")
        await wait_for(pilot, lambda: listed(app) == [ids[7]], what="filtered")


async def test_long_conversation_opens_at_its_end_and_loads_earlier(make_app, db_path):
    (long_id,) = fill(db_path, 1, messages=300)
    log = NotificationLog()
    app = make_app(resume="last")
    async with run(app, log) as pilot:
        await ready(pilot)
        pane = app.screen.query_one(MessagePane)
        await wait_for(pilot, lambda: len(pane.message_widgets()) == WINDOW, what="window shown")
        widgets = pane.message_widgets()
        assert widgets[-1].message.seq == 299 and pane.earlier == 300 - WINDOW
        await wait_for(
            pilot,
            lambda: pane.max_scroll_y > 0 and pane.scroll_y == pane.max_scroll_y,
            what="scrolled to the end",
        )

        pane.scroll_home(animate=False, immediate=True)
        await wait_for(pilot, lambda: len(pane.message_widgets()) == 2 * WINDOW, what="earlier loaded")
        assert pane.message_widgets()[0].message.seq == 300 - 2 * WINDOW
        # the view stays on what it showed, rather than jumping to the new top
        await wait_for(pilot, lambda: pane.scroll_y > 0, what="view kept in place")

        pane.focus()
        await pilot.press("k", "c")  # select the last message (an answer) and copy it
        await wait_for(pilot, lambda: app.clipboard.startswith("answer 299 of 0"), what="message copied")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.clipboard == "echo 0-299", what="code copied")


async def test_search_opens_the_conversation_at_the_hit(make_app, db_path):
    ids = fill(db_path, 2, messages=200)
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen.focused, Input), what="search box")
        await pilot.press(*'"question 40 of 0"')
        await pilot.pause(0.6)
        await pilot.press("down", "enter")
        screen = app.screen_stack[-1]
        await wait_for(
            pilot,
            lambda: getattr(getattr(screen, "session", None), "conversation_id", None) == ids[0],
            what="opened",
        )
        pane = screen.query_one(MessagePane)
        selected = pane.selected
        assert isinstance(selected, UserMessage) and selected.message.seq == 40
        assert pane.later > 0 and pane.earlier > 0
