"""Ctrl+R retries a failed or stopped reply; 429/529 waits count down in the status bar and Esc stops them."""

from __future__ import annotations

from dataclasses import replace

from claude_textual.core.loopback import Reply
from claude_textual.core.model import Message, Status, user_text_message
from claude_textual.store.history import History
from claude_textual.ui.widgets.blocks import TextView
from claude_textual.ui.widgets.status_bar import StatusBar
from tests.conftest import fixture_reply
from tests.ui.uihelpers import (
    NotificationLog,
    assistants,
    fixture_blocks,
    footer,
    idle,
    ready,
    run,
    send,
    send_and_wait,
    streamed,
    wait_for,
)

ANSWER = fixture_blocks("docs_basic_text.sse")[0]["text"]


def stored(db_path) -> list[Message]:
    history = History(db_path)
    try:
        [conversation] = history.list_conversations()
        return history.load_messages(conversation.id)
    finally:
        history.close()


async def settle(pilot, count: int) -> None:
    await wait_for(pilot, lambda: len(assistants(pilot.app)) >= count and idle(pilot.app),
                   what=f"{count} settled replies")


def sent_texts(request) -> list[tuple[str, str]]:
    return [(t["role"], "".join(b.get("text", "") for b in t["content"])) for t in request.body["messages"]]


async def test_ctrl_r_retries_a_failed_reply_and_keeps_it_dimmed(api, make_app, db_path):
    api.then(Reply.error(529, "overloaded_error", "Overloaded"), fixture_reply("docs_basic_text.sse"))
    log = NotificationLog()
    app = make_app()
    async with run(app, log) as pilot:
        await ready(pilot)
        retry = app.screen.active_bindings["ctrl+r"].binding
        assert (retry.action, retry.description, retry.show, retry.priority) == ("retry", "Retry", True, False)
        await send_and_wait(pilot, "hello")
        [failed] = assistants(app)
        assert failed.message.status is Status.ERROR
        assert "Ctrl+R retries" in footer(failed)
        assert "Ctrl+R retries" in log.of("error")[0].message

        await pilot.press("ctrl+r")  # from the prompt box: the TextArea leaves the key to the screen
        await settle(pilot, 2)
        failed, retried = assistants(app)
        assert retried.message.status is Status.COMPLETE
        assert retried.query_one(TextView).source == ANSWER
        assert failed.has_class("-superseded") and not retried.has_class("-superseded")
        assert "superseded by a retry" in footer(failed) and "Ctrl+R" not in footer(failed)
        assert "overloaded (529)" in footer(failed), "the failure stays readable"
        assert failed.styles.opacity < 1 and retried.styles.opacity == 1  # dimmed

    messages = stored(db_path)
    assert [(m.role, m.status, bool(m.extra.get("superseded"))) for m in messages] == [
        ("user", Status.COMPLETE, False), ("assistant", Status.ERROR, True), ("assistant", Status.COMPLETE, False),
    ]
    assert "overloaded (529)" in messages[1].error
    assert len(api.requests) == 2
    assert sent_texts(api.requests[1]) == [("user", "hello")] == sent_texts(api.requests[0])


async def test_ctrl_r_after_esc_and_on_reopening(api, make_app, db_path):
    """A stopped reply is retried; the next prompt's request leaves the superseded reply out."""
    parts = [f"piece{n} " for n in range(60)]
    api.then(streamed([("text", parts)], pause=0.05), fixture_reply("docs_basic_text.sse"),
             fixture_reply("docs_basic_text.sse"))
    log = NotificationLog()
    app = make_app()
    async with run(app, log) as pilot:
        await ready(pilot)
        await send(pilot, "long one")
        reply = (await wait_for(pilot, lambda: assistants(app), what="the reply opens"))[0]
        await wait_for(pilot, lambda: reply.query(TextView) and len(reply.query_one(TextView).source) > 20,
                       what="some text")
        await pilot.press("escape")
        await settle(pilot, 1)
        assert reply.message.status is Status.INTERRUPTED and "Ctrl+R retries" in footer(reply)
        assert any("Ctrl+R retries" in n.message for n in log.items)
        await pilot.press("ctrl+r")
        await settle(pilot, 2)
        assert reply.has_class("-superseded") and "Ctrl+R" not in footer(reply)
        await send_and_wait(pilot, "and then?")
    assert sent_texts(api.requests[2]) == [("user", "long one"), ("assistant", ANSWER), ("user", "and then?")]
    partial = stored(db_path)[1]
    assert partial.status is Status.INTERRUPTED and partial.extra == {"superseded": True}
    assert partial.text() and "".join(parts).startswith(partial.text())

    # reopened later, the superseded reply is still dimmed and says so
    async with run(make_app(resume="last")) as pilot:
        app = pilot.app
        await wait_for(pilot, lambda: len(assistants(app)) == 3, what="the conversation")
        first = assistants(app)[0]
        assert first.has_class("-superseded")
        await wait_for(pilot, lambda: "superseded by a retry" in footer(first), what="the superseded footer")


async def test_ctrl_r_with_nothing_to_retry(api, make_app):
    api.then(fixture_reply("docs_basic_text.sse"))
    log = NotificationLog()
    app = make_app()
    async with run(app, log) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+r")
        await send_and_wait(pilot, "hi")
        await pilot.press("ctrl+r")
        await pilot.pause(0.2)
        assert len(assistants(app)) == 1 and len(api.requests) == 1
        warnings = [n.message for n in log.of("warning")]
        assert "Nothing to retry here." in warnings
        assert "Nothing to retry: the last reply is complete." in warnings


async def test_resumed_failed_reply_offers_ctrl_r(api, make_app, db_path):
    history = History(db_path)
    try:
        conversation = history.create_conversation("t", "claude-test")
        history.add_message(conversation.id, user_text_message("question"))
        history.add_message(conversation.id, Message(role="assistant", content=[{"type": "text", "text": "half"}],
                                                     status=Status.ERROR, error="The connection dropped."))
    finally:
        history.close()
    api.then(fixture_reply("docs_basic_text.sse"))
    async with run(make_app(resume="last")) as pilot:
        app = pilot.app
        [failed] = await wait_for(pilot, lambda: assistants(app), what="the conversation")
        await wait_for(pilot, lambda: "Ctrl+R retries" in footer(failed), what="the retry hint")
        await pilot.press("ctrl+r")
        await settle(pilot, 2)
        assert assistants(app)[1].message.status is Status.COMPLETE
    assert sent_texts(api.requests[0]) == [("user", "question")]


async def test_rate_limit_countdown_in_the_status_bar_and_esc_stops_it(api, make_app, settings, db_path):
    api.then(Reply.error(429, "rate_limit_error", "slow down", **{"retry-after": "5"}),
             fixture_reply("docs_basic_text.sse"))
    log = NotificationLog()
    app = make_app(settings=replace(settings, max_retries=2))
    async with run(app, log) as pilot:
        await ready(pilot)
        status = app.screen.query_one(StatusBar)
        seen: list[str] = []

        def state(text: str):
            seen.append(status.state)
            return text in status.state

        await send(pilot, "hello")
        await wait_for(pilot, lambda: state("rate limited — retrying in 5 s (1/2)"), what="the countdown")
        assert "Esc stops" in status.state and "rate limited — retrying in" in str(status.render())
        await wait_for(pilot, lambda: state("rate limited — retrying in 4 s (1/2)"), what="the countdown ticking")
        await pilot.press("escape")
        await settle(pilot, 1)
        assert status.state == ""
        [reply] = assistants(app)
        assert reply.message.status is Status.INTERRUPTED
        assert "waiting to retry" in footer(reply) and "Ctrl+R retries" in footer(reply)
        assert any("Stopped waiting to retry" in n.message for n in log.items)
        assert app.screen.turn_worker.is_finished and len(api.requests) == 1, "the turn is over: no retry"

        await pilot.press("ctrl+r")  # the queued answer is served now
        await settle(pilot, 2)
        assert assistants(app)[1].message.status is Status.COMPLETE
    messages = stored(db_path)
    assert [m.status for m in messages] == [Status.COMPLETE, Status.INTERRUPTED, Status.COMPLETE]
    assert [a["status"] for a in messages[1].extra["attempts"]] == [429]


async def test_overloaded_then_retried_automatically_shows_one_reply(api, make_app, settings, db_path):
    api.then(Reply.error(529, "overloaded_error", "Overloaded"), fixture_reply("docs_basic_text.sse"))
    app = make_app(settings=replace(settings, max_retries=1))
    async with run(app) as pilot:
        await ready(pilot)
        status = app.screen.query_one(StatusBar)
        await send(pilot, "hello")
        await wait_for(pilot, lambda: "overloaded — retrying in 1 s (1/1)" in status.state, what="the countdown")
        await settle(pilot, 1)
        [reply] = assistants(app)
        assert reply.message.status is Status.COMPLETE and reply.query_one(TextView).source == ANSWER
        assert "error" not in footer(reply)
    assert len(api.requests) == 2 and len(stored(db_path)) == 2


async def test_a_reply_another_app_is_streaming_is_not_retried_until_it_is_stale(api, make_app, db_path,
                                                                                  monkeypatch):
    history = History(db_path)
    try:
        conversation = history.create_conversation("t", "claude-test")
        history.add_message(conversation.id, user_text_message("question"))
        history.add_message(conversation.id, Message(role="assistant", content=[{"type": "text", "text": "so far"}],
                                                     status=Status.STREAMING))
    finally:
        history.close()
    api.then(fixture_reply("docs_basic_text.sse"))
    log = NotificationLog()
    async with run(make_app(resume="last"), log) as pilot:
        app = pilot.app
        [live] = await wait_for(pilot, lambda: assistants(app), what="the conversation")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: log.of("warning"), what="the refusal")
        assert "still being written" in log.of("warning")[0].message and "idle for 15 s" in log.of("warning")[0].message
        assert len(assistants(app)) == 1 and not api.requests
        monkeypatch.setenv("CLAUDE_TEXTUAL_STALE_SECONDS", "0")  # as if 15 s had passed since its last write
        await pilot.press("ctrl+r")
        await settle(pilot, 2)
        assert live.has_class("-superseded") and assistants(app)[1].message.status is Status.COMPLETE
    old, new = stored(db_path)[1:]
    assert old.status is Status.INTERRUPTED and old.extra == {"superseded": True} and old.text() == "so far"
    assert new.status is Status.COMPLETE
