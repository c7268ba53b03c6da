"""Model output is untrusted: terminal controls and bidi overrides are shown as visible text, never obeyed."""

from __future__ import annotations

import html

from textual.widgets._collapsible import CollapsibleTitle

from claude_textual.core.loopback import Reply, sse
from claude_textual.core.model import Status
from claude_textual.store.history import History
from claude_textual.ui.widgets.blocks import TextView, ThinkingView, ToolView
from tests.conftest import fixture_reply
from tests.ui.uihelpers import (
    NotificationLog,
    assistants,
    footer,
    idle,
    panel_body,
    plain,
    ready,
    run,
    send,
    send_and_wait,
    streamed,
    toasts,
    wait_for,
)

CLIPBOARD = "\x1b]52;c;ZXZpbA==\x07"  # OSC 52: write "evil" to the clipboard
CLEAR = "\x1b[2J"  # erase the screen
RLO = "\u202e"  # right-to-left override
RAW = ("\x1b", "\x07", "\u202e")

TEXT = f"Copy this {CLIPBOARD} then {CLEAR}look {RLO}txt.exe"
THINKING = f"plan {CLEAR}{CLIPBOARD} done"
MODEL = "claude-\x1b[31mred"


async def test_control_sequences_are_inert_on_screen_and_exact_in_the_database(api, make_app, db_path):
    # split so an escape sequence straddles two deltas
    blocks = [("thinking", [THINKING[:7], THINKING[7:]]), ("text", [TEXT[:12], TEXT[12:30], TEXT[30:]])]
    api.then(streamed(blocks, pause=0.02, model=MODEL))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await send(pilot, "show me")
        await wait_for(pilot, lambda: assistants(app) and idle(app), what="the reply")

        [reply] = assistants(app)
        source = reply.query_one(TextView).source
        for raw in RAW:
            assert raw not in source
        assert "␛]52;c;ZXZpbA==␇" in source and "␛[2J" in source and "\\u202e" in source

        thinking = panel_body(reply.query_one(ThinkingView))
        assert not any(raw in thinking for raw in RAW)
        assert "␛[2J␛]52;c;ZXZpbA==␇" in thinking

        header = plain(reply.query_one(".reply-header"))
        assert "\x1b" not in header and "claude-␛[31mred" in header

        # what the terminal would be sent: the pictures, not the controls
        screen = html.unescape(app.export_screenshot())
        for raw in RAW:
            assert raw not in screen
        assert "␛]52;c;ZXZpbA==␇" in screen.replace("\u00a0", " ")

    history = History(db_path)
    try:
        [conversation] = history.list_conversations()
        _, stored = history.load_messages(conversation.id)
    finally:
        history.close()
    assert stored.text() == TEXT
    assert stored.content[0]["thinking"] == THINKING
    assert stored.model == MODEL


async def test_error_text_from_the_api_is_not_markup(api, make_app, db_path):
    """An API error message is untrusted text: brackets in it must show as typed, not crash the toast."""
    message = "messages.0.content[1]: bad block [/] see [link=https://evil.example]here[/link] \x1b[2J"
    api.then(Reply.error(400, "invalid_request_error", message), fixture_reply("docs_basic_text.sse"))
    log = NotificationLog()
    app = make_app()
    async with run(app, log) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "hello")
        await pilot.pause(0.2)
        assert app.is_running and app.return_code is None
        [reply] = assistants(app)
        assert reply.message.status is Status.ERROR
        assert message.replace("\x1b", "␛") in footer(reply)
        shown = toasts(app, "error")
        assert any(message.replace("\x1b", "␛") in t for t in shown), shown
        await send_and_wait(pilot, "again")
        assert app.is_running


def tool_call_stream(name: str, block_type: str = "tool_use") -> Reply:
    """A reply whose one block is a tool call named ``name`` (the name comes from the stream, unchecked)."""
    start = {"type": block_type, "id": "toolu_markup_1", "name": name, "input": {}}
    frames = [
        sse(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_markup",
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "model": "claude-test",
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": 5, "output_tokens": 1},
                },
            },
        ),
        sse("content_block_start", {"type": "content_block_start", "index": 0, "content_block": start}),
        sse(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "input_json_delta", "partial_json": '{"q": "[/]"}'},
            },
        ),
        sse("content_block_stop", {"type": "content_block_stop", "index": 0}),
        sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                "usage": {"output_tokens": 9},
            },
        ),
        sse("message_stop", {"type": "message_stop"}),
    ]
    return Reply(200, frames, {"content-type": "text/event-stream; charset=utf-8"})


async def test_block_titles_from_the_stream_are_not_markup(api, make_app, db_path):
    """A tool name is untrusted text (MCP servers name their own tools): "[/]" in it must show, not crash."""
    name = "lookup[/]"
    api.then(tool_call_stream(name), fixture_reply("docs_basic_text.sse"))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "use it", replies=2)
        assert app.is_running and app.return_code is None
        tool = assistants(app)[0].query_one(ToolView)
        assert "Tool call: lookup[/]" in str(tool.query_one(CollapsibleTitle).label)
        assert '"q": "[/]"' in panel_body(tool)
    history = History(db_path)
    try:
        [conversation] = history.list_conversations()
        assert history.load_messages(conversation.id)[1].content[0]["name"] == name
    finally:
        history.close()


async def test_a_stored_stop_reason_and_an_edited_prompt_are_drawn_inert(make_app, db_path):
    """Stored text reaches the footer and the prompt box made inert (an imported export can carry any
    stop_reason; an imported or pasted prompt any control)."""
    from claude_textual.core.model import Message, user_text_message
    from claude_textual.ui.widgets.prompt import PromptBox

    history = History(db_path)
    conversation = history.create_conversation("odd", "claude-test")
    history.add_message(conversation.id, user_text_message(f"prompt {CLIPBOARD} end"))
    history.add_message(
        conversation.id,
        Message(
            role="assistant", content=[{"type": "text", "text": "ok"}], stop_reason=f"max_tokens{CLIPBOARD}"
        ),
    )
    history.close()
    app = make_app(resume=conversation.id)
    async with run(app) as pilot:
        await ready(pilot)

        def stopped() -> str | None:  # the footer once it is drawn whole (the window may be shown twice)
            replies = assistants(app)
            shown = footer(replies[-1]) if replies else ""
            return shown if "stopped:" in shown else None

        shown = await wait_for(pilot, stopped, what="the footer")
        assert "stopped: max_tokens␛]52;c;ZXZpbA==␇" in shown and not any(raw in shown for raw in RAW)
        pane = app.screen.query_one("#messages")
        pane.focus()
        await pilot.press("e")
        box = app.screen.query_one(PromptBox)
        await wait_for(pilot, lambda: box.editing is not None, what="the edit")
        assert box.text == "prompt ␛]52;c;ZXZpbA==␇ end" and not any(raw in box.text for raw in RAW)


async def test_control_sequences_are_inert_while_they_stream(api, make_app):
    """The reply holds still mid-stream (the server waits to be told), so the screen is read while the
    thinking panel and the text are still streaming: the live repaint draws pictures, not controls."""
    import threading

    from claude_textual.ui.widgets.status_bar import StatusBar
    from tests.core._streams import finish, text_block
    from tests.ui.uihelpers import streamed

    gate = threading.Event()
    thinking = streamed([("thinking", [THINKING[:7], THINKING[7:]])], pause=0).body
    head = [
        p for p in thinking if isinstance(p, bytes) and b"message_delta" not in p and b"message_stop" not in p
    ]

    def body():
        yield from head
        yield from text_block(1, [TEXT[:12], TEXT[12:30]])
        gate.wait(60)  # held here until the test has looked at the screen
        yield from text_block(2, [TEXT[30:]])
        yield from finish()

    api.then(Reply(200, body(), {"content-type": "text/event-stream"}))  # a generator: read as it is sent
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await send(pilot, "show me")
        await wait_for(
            pilot, lambda: "ZXZpbA" in html.unescape(app.export_screenshot()), what="text mid-stream"
        )
        try:
            assert "streaming" in str(app.screen.query_one(StatusBar).render()), "read while it streams"
            screen = html.unescape(app.export_screenshot())
            for raw in RAW:
                assert raw not in screen
            assert "␛]52;c;ZXZpbA==␇" in screen.replace("\u00a0", " ")
        finally:
            gate.set()
        await wait_for(pilot, lambda: assistants(app) and idle(app), what="the reply settled")
