"""The chat screen driven like a user would: send, watch it stream, call a tool, stop a reply.

Everything runs against the loopback Messages API through the real anthropic SDK.
"""

from __future__ import annotations

import json

from claude_textual.core.model import Status
from claude_textual.store.history import History
from claude_textual.ui.widgets.blocks import TextView, ThinkingView, ToolView
from claude_textual.ui.widgets.prompt import PromptBox
from claude_textual.ui.widgets.status_bar import StatusBar
from tests.conftest import fixture_reply
from tests.ui.uihelpers import (
    NotificationLog,
    assistants,
    fixture_blocks,
    footer,
    idle,
    panel_body,
    plain,
    ready,
    run,
    send,
    send_and_wait,
    streamed,
    users,
    wait_for,
)


def stored(db_path):
    """The conversations and their messages as a second connection to the database sees them."""
    history = History(db_path)
    try:
        return {c.id: history.load_messages(c.id) for c in history.list_conversations()}
    finally:
        history.close()


async def test_send_and_stream_a_recorded_reply(api, make_app, db_path):
    api.then(fixture_reply("real_thinking_text.sse"))
    thinking, text = fixture_blocks("real_thinking_text.sse")
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await pilot.press(*"hello")
        assert app.screen.query_one(PromptBox).text == "hello"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: assistants(app) and idle(app), what="the reply")

        [user] = users(app)
        assert plain(user) == "hello"
        [reply] = assistants(app)
        [thinking_view] = reply.query(ThinkingView)
        assert thinking_view.title == "Thinking" and thinking_view.collapsed
        assert panel_body(thinking_view) == thinking["text"]
        [text_view] = reply.query(TextView)
        assert text_view.source == text["text"]
        status = app.screen.query_one(StatusBar)
        assert (status.reply_in, status.reply_out) == (43, 282)
        assert (status.totals.input_tokens, status.totals.output_tokens) == (43, 282)
        assert "in 43 · out 282" in footer(reply)
        assert app.screen.query_one(PromptBox).text == ""

    [messages] = stored(db_path).values()
    assert [(m.role, m.status) for m in messages] == [
        ("user", Status.COMPLETE),
        ("assistant", Status.COMPLETE),
    ]
    assert messages[0].text() == "hello"
    assert messages[1].text() == text["text"]
    assert messages[1].stop_reason == "end_turn"


async def test_reply_is_visible_while_it_streams(api, make_app):
    thinking_parts = [f"step {n}, " for n in range(16)]
    text_parts = [f"word{n} " for n in range(16)]
    api.then(streamed([("thinking", thinking_parts), ("text", text_parts)], pause=0.05))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await send(pilot, "stream please")
        reply = (await wait_for(pilot, lambda: assistants(app), what="the reply opens"))[0]
        view = (await wait_for(pilot, lambda: reply.query(ThinkingView), what="the thinking panel")).first()
        status = app.screen.query_one(StatusBar)
        samples = []  # (thinking shown, panel title, expanded, text shown, status bar state, footer)
        while reply.streaming:
            text_views = reply.query(TextView)
            samples.append(
                (
                    len(panel_body(view)),
                    str(view.title),
                    not view.collapsed,
                    len(text_views.first().source) if text_views else 0,
                    status.state,
                    footer(reply),
                )
            )
            await pilot.pause(0.04)
        full_thinking, full_text = len("".join(thinking_parts)), len("".join(text_parts))
        live_thinking = [s[0] for s in samples if s[1] == "Thinking…" and s[2] and 0 < s[0] < full_thinking]
        assert len(set(live_thinking)) >= 2, f"the thinking panel did not grow while streaming: {samples}"
        assert live_thinking == sorted(live_thinking)
        live_text = [s[3] for s in samples if 0 < s[3] < full_text]
        assert len(set(live_text)) >= 2, f"the text did not grow while streaming: {samples}"
        assert any(s[4] == "streaming…" for s in samples)
        assert all(s[5] == "streaming… (Esc stops)" for s in samples)
        text_view = reply.query_one(TextView)

        await wait_for(pilot, lambda: idle(app), what="the end of the reply")
        assert view.title == "Thinking" and view.collapsed
        assert panel_body(view) == "".join(thinking_parts)
        assert text_view.source == "".join(text_parts)
        assert status.state == ""
        assert "streaming" not in footer(reply)


async def test_tool_call_round_trip(api, make_app, db_path):
    api.then(fixture_reply("docs_tool_use.sse"), fixture_reply("docs_basic_text.sse"))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "weather?", replies=2)

        first, second = assistants(app)
        [tool] = first.query(ToolView)
        assert tool.title == "Tool call: get_weather"
        body = panel_body(tool)
        assert "San Francisco" in body
        assert json.loads(body)["location"].startswith("San Francisco")
        prompt, results = users(app)
        assert results.has_class("tool-results")
        assert "tool result (error)" in plain(results)
        assert second.query_one(TextView).source == fixture_blocks("docs_basic_text.sse")[0]["text"]
        # widgets in order: prompt, tool call, results, answer
        order = [w for w in app.screen.query_one("#messages").children]
        assert order == [prompt, first, results, second]

    assert len(api.requests) == 2
    sent = api.requests[1].body["messages"]
    assert [t["role"] for t in sent] == ["user", "assistant", "user"]
    [result] = [b for b in sent[2]["content"] if b.get("type") == "tool_result"]
    assert result["tool_use_id"] == "toolu_01T1x1fJ34qAmk2tNTrN7Up6"
    assert result["is_error"] is True

    [messages] = stored(db_path).values()
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
    assert all(m.status is Status.COMPLETE for m in messages)
    assert messages[2].content[0]["tool_use_id"] == "toolu_01T1x1fJ34qAmk2tNTrN7Up6"


async def test_escape_stops_the_reply_and_keeps_it(api, make_app, db_path):
    parts = [f"piece{n} " for n in range(60)]
    api.then(streamed([("text", parts)], pause=0.05), fixture_reply("docs_basic_text.sse"))
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
        await wait_for(pilot, lambda: not reply.streaming and idle(app), what="the stop")

        assert reply.message.status is Status.INTERRUPTED
        assert "interrupted" in footer(reply)
        assert reply.has_class("-interrupted")
        shown = reply.query_one(TextView).source
        assert shown and shown != "".join(parts) and "".join(parts).startswith(shown)
        assert any("Stopped" in n.message for n in log.items)
        assert app.is_running

        # the app carries on: the next prompt gets an answer in the same conversation
        await send_and_wait(pilot, "again")
        assert assistants(app)[-1].message.status is Status.COMPLETE
        assert app.screen.query_one(PromptBox).text == ""

    [messages] = stored(db_path).values()
    assert [(m.role, m.status) for m in messages] == [
        ("user", Status.COMPLETE),
        ("assistant", Status.INTERRUPTED),
        ("user", Status.COMPLETE),
        ("assistant", Status.COMPLETE),
    ]
    partial = messages[1].text()
    assert partial == shown
    # the interrupted reply went back to the API as context for the next prompt
    assert api.requests[1].body["messages"][1]["content"][0]["text"] == partial


async def test_escape_before_the_first_token(api, make_app, db_path):
    """Stopping while still waiting for Claude keeps an empty interrupted reply, and the next prompt works."""
    slow = streamed([("text", ["late"])], pause=0)
    slow.body = [3.0, *slow.body]  # headers at once, then nothing for 3 s
    api.then(slow, fixture_reply("docs_basic_text.sse"))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await send(pilot, "wait")
        status = app.screen.query_one(StatusBar)
        reply = (await wait_for(pilot, lambda: assistants(app), what="the reply opens"))[0]
        await wait_for(pilot, lambda: status.state == "waiting for Claude…", what="waiting state")
        await pilot.press("escape")
        await wait_for(pilot, lambda: idle(app), what="the stop")
        assert reply.message.status is Status.INTERRUPTED
        assert "interrupted" in footer(reply)
        assert not reply.query(TextView)

        await send_and_wait(pilot, "and now?")
        assert assistants(app)[-1].message.status is Status.COMPLETE

    [messages] = stored(db_path).values()
    answer = fixture_blocks("docs_basic_text.sse")[0]["text"]
    assert [(m.role, m.status, m.text()) for m in messages] == [
        ("user", Status.COMPLETE, "wait"),
        ("assistant", Status.INTERRUPTED, ""),
        ("user", Status.COMPLETE, "and now?"),
        ("assistant", Status.COMPLETE, answer),
    ]
    # the empty reply is not sent back: the API sees the two prompts as one user turn
    assert [t["role"] for t in api.requests[1].body["messages"]] == ["user"]


async def test_busy_while_streaming(api, make_app):
    """While a reply streams, a second send and Ctrl+N are refused with a warning; nothing is lost."""
    long_reply = streamed([("text", [f"w{n} " for n in range(200)])], pause=0.05)
    api.then(long_reply, fixture_reply("docs_basic_text.sse"))
    log = NotificationLog()
    app = make_app()
    async with run(app, log) as pilot:
        await ready(pilot)
        await send(pilot, "long")
        reply = (await wait_for(pilot, lambda: assistants(app), what="the reply opens"))[0]
        await wait_for(pilot, lambda: reply.query(TextView), what="text starts")
        conversation = app.screen.session.conversation_id
        await send(pilot, "too soon")
        assert app.screen.query_one(PromptBox).text == "too soon"  # kept for later
        await pilot.press("ctrl+n")
        assert app.screen.session.conversation_id == conversation
        assert reply.streaming and reply in assistants(app)
        warnings = [n.message for n in log.of("warning")]
        assert len(warnings) == 2, warnings
        assert "still streaming" in warnings[0] and "Esc" in warnings[1]
        assert len(api.requests) == 1

        await pilot.press("escape")
        await wait_for(pilot, lambda: idle(app), what="the stop")
        app.screen.query_one(PromptBox).focus()
        await pilot.press("ctrl+s")  # the kept prompt goes now
        await wait_for(pilot, lambda: len(assistants(app)) == 2 and idle(app), what="the second reply")
        assert [plain(u) for u in users(app)] == ["long", "too soon"]
        assert [a.message.status for a in assistants(app)] == [Status.INTERRUPTED, Status.COMPLETE]
