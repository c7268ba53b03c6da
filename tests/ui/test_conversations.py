"""Several conversations: Ctrl+N, the list (F2), switching by keyboard and mouse, --prompt and --resume."""

from __future__ import annotations

from claude_textual.core.model import Status
from claude_textual.store.history import History
from claude_textual.ui.widgets.conversation_list import ConversationList
from claude_textual.ui.widgets.message_pane import WELCOME
from claude_textual.ui.widgets.status_bar import StatusBar
from tests.conftest import fixture_reply
from tests.ui.uihelpers import (
    NotificationLog,
    assistants,
    fixture_blocks,
    idle,
    plain,
    ready,
    run,
    send_and_wait,
    users,
    wait_for,
)

TEXT_A = fixture_blocks("docs_basic_text.sse")[0]["text"]
TEXT_B = fixture_blocks("sdk_basic_response.sse")[0]["text"]


def transcript(app) -> list[str]:
    """What the transcript shows, message by message (user text, or the reply's Markdown source)."""
    shown = []
    for widget in app.screen.query_one("#messages").children:
        if widget in users(app):
            shown.append(plain(widget))
        elif widget in assistants(app):
            shown.append("".join(v.source for v in widget.query(".text-block")))
        else:
            shown.append(plain(widget))
    return shown


async def test_new_conversation_and_switching(api, make_app, db_path):
    api.then(fixture_reply("docs_basic_text.sse"), fixture_reply("sdk_basic_response.sse"))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        screen = app.screen
        status = screen.query_one(StatusBar)
        conversations = screen.query_one(ConversationList)

        await send_and_wait(pilot, "first question")
        conv_a = screen.session.conversation_id
        assert transcript(app) == ["first question", TEXT_A]
        assert (status.totals.input_tokens, status.totals.output_tokens) == (25, 15)
        assert screen.sub_title == "first question"

        await pilot.press("ctrl+n")
        assert screen.session.conversation_id is None
        assert transcript(app) == [WELCOME]
        assert status.totals.records == status.reply_in == status.reply_out == 0
        assert screen.sub_title == "New conversation"

        await send_and_wait(pilot, "second question")
        conv_b = screen.session.conversation_id
        assert conv_b not in (None, conv_a)
        assert transcript(app) == ["second question", TEXT_B]
        assert (status.totals.input_tokens, status.totals.output_tokens) == (11, 6)

        await wait_for(pilot, lambda: conversations.option_count == 2, what="two conversations listed")
        listed = [conversations.get_option_at_index(i) for i in range(2)]
        assert [o.id for o in listed] == [conv_b, conv_a]  # newest first
        assert "second question" in str(listed[0].prompt) and "first question" in str(listed[1].prompt)
        assert conversations.highlighted == 0

        # keyboard: focus the list, move down to A, Enter
        conversations.focus()
        await pilot.press("down")
        assert conversations.highlighted_option.id == conv_a
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.session.conversation_id == conv_a, what="conversation A opened")
        await pilot.pause()
        assert transcript(app) == ["first question", TEXT_A]
        assert (status.totals.input_tokens, status.totals.output_tokens) == (25, 15)
        assert (status.reply_in, status.reply_out) == (0, 0)
        assert screen.sub_title == "first question"
        assert screen.query_one("#prompt").has_focus  # back to typing

        # mouse: click B's row (rows are two lines under the border: B on 1-2, A on 3-4)
        await pilot.click(ConversationList, offset=(4, 1))
        await wait_for(pilot, lambda: screen.session.conversation_id == conv_b, what="conversation B opened")
        await pilot.pause()
        assert transcript(app) == ["second question", TEXT_B]
        assert (status.totals.input_tokens, status.totals.output_tokens) == (11, 6)

        # F2 hides and shows the list
        await pilot.press("f2")
        assert not screen.query_one("#sidebar").display
        await pilot.press("f2")
        assert screen.query_one("#sidebar").display

        # a prompt now continues B
        api.then(fixture_reply("docs_basic_text.sse"))
        await send_and_wait(pilot, "more")
        assert screen.session.conversation_id == conv_b
        assert (status.totals.input_tokens, status.totals.output_tokens) == (11 + 25, 6 + 15)

    history = History(db_path)
    try:
        assert len(history.list_conversations()) == 2
        assert [m.text() for m in history.load_messages(conv_a)] == ["first question", TEXT_A]
        assert [m.text() for m in history.load_messages(conv_b)] == [
            "second question",
            TEXT_B,
            "more",
            TEXT_A,
        ]
    finally:
        history.close()


async def test_enter_opens_the_first_when_it_beats_the_lists_focus_event(api, make_app, db_path):
    """Tab then Enter typed fast on a busy machine: Enter reaches the list before its Focus event has
    highlighted the first conversation, and must still open it (it did nothing, and Delete acted on
    nothing)."""
    api.then(fixture_reply("docs_basic_text.sse"))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        screen = app.screen
        conversations = screen.query_one(ConversationList)
        await send_and_wait(pilot, "first question")
        conv = screen.session.conversation_id
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: conversations.option_count == 1, what="the conversation listed")
        conversations.focus()
        await wait_for(pilot, lambda: conversations.highlighted == 0, what="the focus event handled")
        conversations.highlighted = None  # the state between the focus moving and its event
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.session.conversation_id == conv, what="the first one opened")
        assert transcript(app) == ["first question", TEXT_A]


async def test_initial_prompt_then_resume_last(api, make_app, db_path):
    api.then(fixture_reply("docs_basic_text.sse"))
    app = make_app(initial_prompt="hi")
    async with run(app) as pilot:
        await wait_for(pilot, lambda: assistants(app) and idle(app), what="the automatic prompt's reply")
        assert transcript(app) == ["hi", TEXT_A]
        first_id = app.screen.session.conversation_id
    assert len(api.requests) == 1
    assert api.requests[0].body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
    ]

    app = make_app(resume="last")
    async with run(app) as pilot:
        await ready(pilot)
        await wait_for(
            pilot, lambda: app.screen.session.conversation_id is not None, what="the resumed conversation"
        )
        listing = app.screen.query_one(ConversationList)
        await wait_for(pilot, lambda: listing.option_count == 1, what="the list")
        assert app.screen.session.conversation_id == first_id
        # a busy machine draws the stored reply's text a frame after its message is mounted
        await wait_for(pilot, lambda: transcript(app) == ["hi", TEXT_A], what="the transcript")
        assert assistants(app)[0].message.status is Status.COMPLETE
        status = app.screen.query_one(StatusBar)
        assert (status.totals.input_tokens, status.totals.output_tokens) == (25, 15)
        assert app.screen.sub_title == "hi"
        assert app.screen.query_one(ConversationList).highlighted_option.id == first_id
        assert len(api.requests) == 1  # resuming sends nothing


async def test_resume_unknown_conversation(api, make_app, db_path):
    log = NotificationLog()
    app = make_app(resume="no-such-id")
    async with run(app, log) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: log.of("error"), what="an error notification")
        [error] = log.of("error")
        assert "no-such-id" in error.message and error.title == "--resume"
        assert app.is_running and app.screen.session.conversation_id is None
        # the transcript is the usual empty one, with its hint, not a blank pane
        await pilot.pause()
        assert transcript(app) == [WELCOME]

        api.then(fixture_reply("docs_basic_text.sse"))
        await send_and_wait(pilot, "still works")
        assert transcript(app) == ["still works", TEXT_A]
    history = History(db_path)
    try:
        assert len(history.list_conversations()) == 1
    finally:
        history.close()


async def test_quitting_closes_the_history_and_leaves_no_wal_behind(api, make_app, db_path):
    """After a reply is saved and the app quits, the database holds it and no -wal file is left
    (a second copy of the last writes, and a sign the database was not closed)."""
    import sqlite3

    from tests.core._streams import stream_reply, text_reply
    from tests.ui.uihelpers import send_and_wait

    api.then(stream_reply(text_reply(["Fine, thanks."])))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "Hello there, how are you?")
        assert db_path.with_name(db_path.name + "-wal").exists(), "WAL mode while the app runs"
    assert not db_path.with_name(db_path.name + "-wal").exists()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM message").fetchone() == (2,)
