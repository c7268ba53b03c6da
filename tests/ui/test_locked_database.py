"""Another program holds the history's write lock: the screen keeps answering, nothing typed is lost.

The lock is held by a second process (``BEGIN IMMEDIATE``) for as long as the test says, so every
wait is for a condition, never for a time. That no store call runs on the event loop at all is
checked for every test by the ``store_off_the_loop`` guard in ``tests/conftest.py``.
"""

from __future__ import annotations

import json

import pytest

from claude_textual.core.model import Message, Status, user_text_message
from claude_textual.store.history import History
from claude_textual.ui.widgets.prompt import PromptBox
from claude_textual.ui.widgets.status_bar import StatusBar
from tests.conftest import fixture_reply
from tests.locker import WriteLock
from tests.ui.uihelpers import NotificationLog, assistants, idle, plain, ready, run, users, wait_for


def seed(db_path) -> str:
    history = History(db_path)
    try:
        conversation = history.create_conversation("the other one", "claude-test")
        history.add_message(conversation.id, user_text_message("an older question"))
        history.add_message(
            conversation.id, Message(role="assistant", content=[{"type": "text", "text": "old"}])
        )
        return conversation.id
    finally:
        history.close()


def stored_texts(db_path, conversation_id: str) -> list[tuple[str, str, Status]]:
    history = History(db_path)
    try:
        return [(m.role, m.text(), m.status) for m in history.load_messages(conversation_id)]
    finally:
        history.close()


async def test_the_screen_answers_while_another_process_holds_the_write_lock(
    api, make_app, db_path, monkeypatch
):
    monkeypatch.setenv("CLAUDE_TEXTUAL_BUSY_TIMEOUT", "300")  # it waits for the lock as long as it is held
    other = seed(db_path)
    api.then(fixture_reply("docs_basic_text.sse"))
    log = NotificationLog()
    app = make_app()
    async with run(app, log) as pilot:
        await ready(pilot)
        screen = app.screen
        box = screen.query_one(PromptBox)
        with WriteLock(db_path) as lock:
            # reading needs no write lock: another conversation opens while the lock is held
            screen.open(other)
            await wait_for(
                pilot,
                lambda: [plain(u) for u in users(app)] == ["an older question"],
                what="the other conversation opened",
            )
            box.focus()
            await pilot.press(*"hello", "ctrl+s")
            await wait_for(
                pilot,
                lambda: screen.query_one(StatusBar).state == "saving the prompt…",
                what="the prompt waiting for the lock",
            )
            await pilot.press(*" and more")  # typing goes on: the screen is not held by the database
            await wait_for(pilot, lambda: box.text == "hello and more", what="the keys typed meanwhile")
            await pilot.press("ctrl+n")  # a turn is on its way: refused with a notice, at once
            await wait_for(pilot, lambda: log.of("warning"), what="the refusal to switch")
            assert screen.session.conversation_id == other
            assert [plain(u) for u in users(app)] == ["an older question"]  # not saved yet, so not shown
            lock.release()
            await wait_for(pilot, lambda: len(assistants(app)) == 2 and idle(app), what="the reply")
        assert box.text == " and more"  # the prompt was let go of once saved; what came after stays
        assert not log.of("error")
    assert stored_texts(db_path, other) == [
        ("user", "an older question", Status.COMPLETE),
        ("assistant", "old", Status.COMPLETE),
        ("user", "hello", Status.COMPLETE),
        ("assistant", "Hello!", Status.COMPLETE),
    ]


@pytest.mark.parametrize("new_conversation", [True, False])
async def test_a_lock_held_past_the_busy_timeout_is_explained_and_the_prompt_stays(
    api, make_app, db_path, monkeypatch, new_conversation
):
    monkeypatch.setenv("CLAUDE_TEXTUAL_BUSY_TIMEOUT", "0.2")
    other = seed(db_path)
    log = NotificationLog()
    app = make_app(resume=None if new_conversation else other)
    async with run(app, log) as pilot:
        await ready(pilot)
        screen = app.screen
        if not new_conversation:
            await wait_for(pilot, lambda: screen.session.conversation_id == other, what="the conversation")
        box = screen.query_one(PromptBox)
        with WriteLock(db_path):
            box.focus()
            await pilot.press(*"keep me", "ctrl+s")
            [error] = await wait_for(pilot, lambda: log.of("error"), what="the error")
            await wait_for(pilot, lambda: idle(app), what="the turn to end")
        assert error.title == "Database" and "not sent" in error.message and "locked" in error.message
        assert str(db_path) in error.message
        assert box.text == "keep me" and app.is_running
        assert [plain(u) for u in users(app)] == ([] if new_conversation else ["an older question"])
        assert api.requests == []
    history = History(db_path)
    try:
        assert [c.title for c in history.list_conversations()] == ["the other one"]
    finally:
        history.close()
    assert len(stored_texts(db_path, other)) == 2


async def test_a_database_deleted_while_the_app_runs_is_written_again_with_everything(api, make_app, db_path):
    """The user (or a clean-up script) deletes the history and its -wal/-shm while the app runs; the next
    prompt writes the whole database again at its path, says so, and nothing is lost at quit."""
    import sqlite3

    from tests.core._streams import stream_reply, text_reply
    from tests.ui.uihelpers import NotificationLog, run, send_and_wait

    api.then(stream_reply(text_reply(["First answer."])), stream_reply(text_reply(["Second answer."])))
    log = NotificationLog()
    app = make_app()
    async with run(app, log) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "First question")
        for suffix in ("", "-wal", "-shm"):
            db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
        assert not db_path.exists()
        await send_and_wait(pilot, "Second question")
        await wait_for(
            pilot, lambda: any("was deleted while the app was running" in n.message for n in log.items)
        )
        assert db_path.exists() and oct(db_path.stat().st_mode & 0o777) == "0o600"
    with sqlite3.connect(db_path) as conn:
        texts = [json.loads(r[0]).get("text") for r in conn.execute("SELECT data FROM block ORDER BY id")]
    assert texts == ["First question", "First answer.", "Second question", "Second answer."]
