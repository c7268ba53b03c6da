"""Ctrl+R retries a reply as a new branch (the old one stays, ``‹ 1/2 ›``, ``[`` shows it); 429/529 waits
count down in the status bar and Esc stops them."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Static

from claude_textual.core.loopback import Reply
from claude_textual.core.model import Message, Status, user_text_message
from claude_textual.store.history import History
from claude_textual.ui.widgets.blocks import TextView
from claude_textual.ui.widgets.message import AssistantMessage
from claude_textual.ui.widgets.message_pane import MessagePane
from claude_textual.ui.widgets.status_bar import StatusBar
from tests.conftest import fixture_reply
from tests.ui.uihelpers import (
    NotificationLog,
    assistants,
    fixture_blocks,
    footer,
    idle,
    plain,
    ready,
    run,
    send,
    send_and_wait,
    streamed,
    wait_for,
)

ANSWER = fixture_blocks("docs_basic_text.sse")[0]["text"]


def stored(db_path, *, every_branch: bool = False) -> list[Message]:
    """The messages of the branch shown (or of every branch, in the order they were made)."""
    history = History(db_path)
    try:
        [conversation] = history.list_conversations()
        return (history.all_messages if every_branch else history.load_messages)(conversation.id)
    finally:
        history.close()


async def retried(pilot, api, requests: int) -> AssistantMessage:
    """Wait until the retry made its request and its reply, the last on screen, settled; return it."""
    await wait_for(
        pilot,
        lambda: len(api.requests) >= requests and assistants(pilot.app) and idle(pilot.app),
        what="the retried reply",
    )
    return assistants(pilot.app)[-1]


async def switch(pilot, key: str, reply: AssistantMessage) -> None:
    """Select ``reply`` and switch to its previous (``[``) or next (``]``) sibling."""
    pane = pilot.app.screen.query_one(MessagePane)
    pane.focus()
    pane.select(reply)
    await pilot.press(key)
    await pilot.pause(0.1)


async def settle(pilot, count: int) -> None:
    await wait_for(
        pilot,
        lambda: len(assistants(pilot.app)) >= count and idle(pilot.app),
        what=f"{count} settled replies",
    )


def sent_texts(request) -> list[tuple[str, str]]:
    return [(t["role"], "".join(b.get("text", "") for b in t["content"])) for t in request.body["messages"]]


async def test_ctrl_r_retries_a_failed_reply_as_a_branch_and_brackets_switch_back(api, make_app, db_path):
    api.then(Reply.error(529, "overloaded_error", "Overloaded"), fixture_reply("docs_basic_text.sse"))
    log = NotificationLog()
    app = make_app()
    async with run(app, log) as pilot:
        await ready(pilot)
        retry = app.screen.active_bindings["ctrl+r"].binding
        assert (retry.action, retry.description, retry.show, retry.priority) == (
            "retry",
            "Retry",
            True,
            False,
        )
        await send_and_wait(pilot, "hello")
        [failed] = assistants(app)
        assert failed.message.status is Status.ERROR
        assert "Ctrl+R retries" in footer(failed)
        assert "Ctrl+R retries" in log.of("error")[0].message

        await pilot.press("ctrl+r")  # from the prompt box: the TextArea leaves the key to the screen
        retry = await retried(pilot, api, 2)
        assert assistants(app) == [retry], "the failed reply is on the other branch"
        assert retry.message.status is Status.COMPLETE and retry.query_one(TextView).source == ANSWER
        assert retry.branch == (2, 2) and "‹ 2/2 ›" in plain(retry.query_one(".reply-header", Static))

        await switch(pilot, "left_square_bracket", retry)
        [failed] = await wait_for(
            pilot,
            lambda: [a for a in assistants(app) if a.branch == (1, 2)],
            what="the failed reply's branch",
        )
        assert failed.message.status is Status.ERROR and app.screen.query_one(MessagePane).selected is failed
        assert "overloaded (529)" in footer(failed), "the failure stays readable"
        await switch(pilot, "right_square_bracket", failed)
        await wait_for(
            pilot, lambda: [a.branch for a in assistants(app)] == [(2, 2)], what="back to the retry"
        )

    assert [(m.role, m.status) for m in stored(db_path)] == [
        ("user", Status.COMPLETE),
        ("assistant", Status.COMPLETE),
    ]
    user, failed, retry = stored(db_path, every_branch=True)
    assert failed.parent_id == retry.parent_id == user.id and "overloaded (529)" in failed.error
    assert len(api.requests) == 2
    assert sent_texts(api.requests[1]) == [("user", "hello")] == sent_texts(api.requests[0])


async def test_ctrl_r_after_esc_and_on_reopening(api, make_app, db_path):
    """A stopped reply is retried; the next prompt's request leaves the stopped one (another branch) out."""
    parts = [f"piece{n} " for n in range(60)]
    api.then(
        streamed([("text", parts)], pause=0.05),
        fixture_reply("docs_basic_text.sse"),
        fixture_reply("docs_basic_text.sse"),
    )
    log = NotificationLog()
    app = make_app()
    async with run(app, log) as pilot:
        await ready(pilot)
        await send(pilot, "long one")
        reply = (await wait_for(pilot, lambda: assistants(app), what="the reply opens"))[0]
        await wait_for(
            pilot,
            lambda: reply.query(TextView) and len(reply.query_one(TextView).source) > 20,
            what="some text",
        )
        await pilot.press("escape")
        await settle(pilot, 1)
        assert reply.message.status is Status.INTERRUPTED and "Ctrl+R retries" in footer(reply)
        assert any("Ctrl+R retries" in n.message for n in log.items)
        await pilot.press("ctrl+r")
        await retried(pilot, api, 2)
        assert reply not in assistants(app)
        await send_and_wait(pilot, "and then?")
    assert sent_texts(api.requests[2]) == [("user", "long one"), ("assistant", ANSWER), ("user", "and then?")]
    partial = stored(db_path, every_branch=True)[1]
    # no retry attempts recorded on it (only the digest its thinking would be bound to)
    assert partial.status is Status.INTERRUPTED and set(partial.extra) == {"prefix"}
    assert partial.text() and "".join(parts).startswith(partial.text())

    # reopened later, the same branch is shown, and the stopped reply is one switch away
    async with run(make_app(resume="last")) as pilot:
        app = pilot.app
        await wait_for(pilot, lambda: len(assistants(app)) == 2, what="the conversation")
        first = assistants(app)[0]
        assert first.branch == (2, 2) and first.message.text() == ANSWER
        await switch(pilot, "left_square_bracket", first)
        [stopped] = await wait_for(
            pilot,
            lambda: assistants(app) if len(assistants(app)) == 1 else None,
            what="the stopped reply's branch",
        )
        assert stopped.message.id == partial.id and "interrupted" in footer(stopped)


async def test_ctrl_r_with_nothing_to_retry_and_on_a_complete_reply(api, make_app):
    """Nothing to retry before a conversation; a complete reply is regenerated (a new branch)."""
    api.then(fixture_reply("docs_basic_text.sse"), streamed([("text", ["Another ", "answer."])], pause=0))
    log = NotificationLog()
    app = make_app()
    async with run(app, log) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+r")
        assert "Nothing to retry here." in [n.message for n in log.of("warning")]
        await send_and_wait(pilot, "hi")
        await pilot.press("ctrl+r")
        again = await retried(pilot, api, 2)
        assert len(assistants(app)) == 1 and again.query_one(TextView).source == "Another answer."
        assert again.branch == (2, 2)
        assert sent_texts(api.requests[1]) == [("user", "hi")]


async def test_resumed_failed_reply_offers_ctrl_r(api, make_app, db_path):
    history = History(db_path)
    try:
        conversation = history.create_conversation("t", "claude-test")
        history.add_message(conversation.id, user_text_message("question"))
        history.add_message(
            conversation.id,
            Message(
                role="assistant",
                content=[{"type": "text", "text": "half"}],
                status=Status.ERROR,
                error="The connection dropped.",
            ),
        )
    finally:
        history.close()
    api.then(fixture_reply("docs_basic_text.sse"))
    async with run(make_app(resume="last")) as pilot:
        app = pilot.app
        [failed] = await wait_for(pilot, lambda: assistants(app), what="the conversation")
        await wait_for(pilot, lambda: "Ctrl+R retries" in footer(failed), what="the retry hint")
        await pilot.press("ctrl+r")
        retry = await retried(pilot, api, 1)
        assert retry.message.status is Status.COMPLETE and retry.branch == (2, 2)
    assert sent_texts(api.requests[0]) == [("user", "question")]


async def test_rate_limit_countdown_in_the_status_bar_and_esc_stops_it(api, make_app, settings, db_path):
    api.then(
        Reply.error(429, "rate_limit_error", "slow down", **{"retry-after": "5"}),
        fixture_reply("docs_basic_text.sse"),
    )
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
        await wait_for(
            pilot, lambda: state("rate limited — retrying in 4 s (1/2)"), what="the countdown ticking"
        )
        await pilot.press("escape")
        await settle(pilot, 1)
        assert status.state == ""
        [reply] = assistants(app)
        assert reply.message.status is Status.INTERRUPTED
        assert "waiting to retry" in footer(reply) and "Ctrl+R retries" in footer(reply)
        assert any("Stopped waiting to retry" in n.message for n in log.items)
        assert app.screen.turn_worker.is_finished and len(api.requests) == 1, "the turn is over: no retry"

        await pilot.press("ctrl+r")  # the queued answer is served now
        retry = await retried(pilot, api, 2)
        assert retry.message.status is Status.COMPLETE
    assert [m.status for m in stored(db_path)] == [Status.COMPLETE, Status.COMPLETE]
    messages = stored(db_path, every_branch=True)
    assert [m.status for m in messages] == [Status.COMPLETE, Status.INTERRUPTED, Status.COMPLETE]
    assert [a["status"] for a in messages[1].extra["attempts"]] == [429]


async def test_overloaded_then_retried_automatically_shows_one_reply(api, make_app, settings, db_path):
    api.then(Reply.error(529, "overloaded_error", "Overloaded"), fixture_reply("docs_basic_text.sse"))
    app = make_app(settings=replace(settings, max_retries=1))
    async with run(app) as pilot:
        await ready(pilot)
        status = app.screen.query_one(StatusBar)
        await send(pilot, "hello")
        await wait_for(
            pilot, lambda: "overloaded — retrying in 1 s (1/1)" in status.state, what="the countdown"
        )
        await settle(pilot, 1)
        [reply] = assistants(app)
        assert reply.message.status is Status.COMPLETE and reply.query_one(TextView).source == ANSWER
        assert "error" not in footer(reply)
    assert len(api.requests) == 2 and len(stored(db_path)) == 2


async def test_a_reply_another_app_is_streaming_is_not_retried_until_it_is_stale(
    api, make_app, db_path, monkeypatch
):
    history = History(db_path)
    try:
        conversation = history.create_conversation("t", "claude-test")
        history.add_message(conversation.id, user_text_message("question"))
        history.add_message(
            conversation.id,
            Message(role="assistant", content=[{"type": "text", "text": "so far"}], status=Status.STREAMING),
        )
    finally:
        history.close()
    api.then(fixture_reply("docs_basic_text.sse"))
    log = NotificationLog()
    async with run(make_app(resume="last"), log) as pilot:
        app = pilot.app
        [live] = await wait_for(pilot, lambda: assistants(app), what="the conversation")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: log.of("warning"), what="the refusal")
        assert (
            "still being written" in log.of("warning")[0].message
            and "idle for 15 s" in log.of("warning")[0].message
        )
        assert len(assistants(app)) == 1 and not api.requests
        monkeypatch.setenv("CLAUDE_TEXTUAL_STALE_SECONDS", "0")  # as if 15 s had passed since its last write
        await pilot.press("ctrl+r")
        retry = await retried(pilot, api, 1)
        assert live not in assistants(app) and retry.message.status is Status.COMPLETE
    old, new = stored(db_path, every_branch=True)[1:]
    assert old.status is Status.INTERRUPTED and old.text() == "so far" and old.parent_id == new.parent_id
    assert new.status is Status.COMPLETE
