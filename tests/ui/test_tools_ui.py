"""Client tools in the app: the approval prompt, the tool panel's state, the result shown, Esc.

A real MCP stdio server (``tests/mcp_servers/known.py``) and the loopback API through the real SDK.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from claude_textual.ui.messages import ApprovalRequest
from claude_textual.ui.screens.approval import ApprovalScreen
from claude_textual.ui.screens.chat import ChatScreen
from claude_textual.ui.widgets.blocks import ToolView
from claude_textual.ui.widgets.status_bar import StatusBar
from tests.core._streams import stream_reply, text_reply, tool_reply
from tests.mcp_servers.fixtures import alive, server, started
from tests.mcp_servers.known import KNOWN
from tests.ui.uihelpers import NotificationLog, assistants, idle, plain, ready, send, users, wait_for


@pytest.fixture
def tool_app(make_app, settings, pid_dir):
    def factory(module: str = "known", **options):
        configured = replace(settings, mcp_servers=(server(module, module, pid_dir),), **options)
        return make_app(settings=configured)

    return factory


class Asked(NotificationLog):
    """Notifications, and every approval request posted."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[ApprovalRequest] = []

    def __call__(self, message) -> None:
        super().__call__(message)
        if isinstance(message, ApprovalRequest) and message not in self.requests:
            self.requests.append(message)


async def modal(pilot) -> ApprovalScreen:
    def shown():  # pushed, and composed
        screen = pilot.app.screen
        return isinstance(screen, ApprovalScreen) and screen.query("#tool-input-json") and screen

    return await wait_for(pilot, shown, timeout=30, what="the approval prompt")


def tool_views(app) -> list[ToolView]:
    return [view for reply in assistants(app) for view in reply.query(ToolView)]


async def test_allow_once_runs_the_tool_and_shows_its_result(api, tool_app, pid_dir):
    api.then(
        tool_reply(("toolu_1", "echo", {"text": "hi \x1b[2J there"})), stream_reply(text_reply(["Done."]))
    )
    app = tool_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send(pilot, "echo something")
        prompt = await modal(pilot)
        question = plain(prompt.query_one("#tool-question"))
        assert "echo" in question and "server known" in question
        shown = plain(prompt.query_one("#tool-input-json"))
        assert "\x1b" not in shown and "\\u001b[2J" in shown  # the model's input is made inert
        await pilot.press("o")
        await wait_for(pilot, lambda: len(assistants(app)) == 2 and idle(app), timeout=30, what="the answer")
        [view] = tool_views(app)
        assert view.title == "Tool call: echo · done"
        results = users(app)[1]
        assert results.has_class("tool-results")
        assert "echo: hi \u241b[2J there" in plain(results)
    assert api.requests[1].body["messages"][-1]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "echo: hi \x1b[2J there"}
    ]
    assert not [pid for pid in started(pid_dir) if alive(pid)], "the app left its tool server running"


async def test_allow_for_the_conversation_is_not_asked_again(api, tool_app):
    api.then(
        tool_reply(("toolu_1", "version", {})),
        tool_reply(("toolu_2", "version", {})),
        stream_reply(text_reply(["Twice 42."])),
    )
    log = Asked()
    app = tool_app()
    async with app.run_test(size=(120, 40), message_hook=log) as pilot:
        await ready(pilot)
        await send(pilot, "version twice")
        await modal(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: len(assistants(app)) == 3 and idle(app), timeout=30, what="the answer")
        assert len(log.requests) == 1
        assert [v.title for v in tool_views(app)] == ["Tool call: version · done"] * 2
    assert api.requests[2].body["messages"][-1]["content"][0]["content"] == KNOWN


async def test_deny_tells_claude_and_the_loop_goes_on(api, tool_app):
    api.then(tool_reply(("toolu_1", "version", {})), stream_reply(text_reply(["As you wish."])))
    app = tool_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send(pilot, "version?")
        await modal(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: len(assistants(app)) == 2 and idle(app), timeout=30, what="the answer")
        [view] = tool_views(app)
        assert view.title == "Tool call: version · not run"
        assert "tool result (error): The user denied running the tool 'version'." in plain(users(app)[1])
    [result] = api.requests[1].body["messages"][-1]["content"]
    assert result["is_error"] is True and "denied" in result["content"]


async def test_escape_at_the_prompt_stops_the_turn_and_the_app_goes_on(api, tool_app, pid_dir):
    api.then(tool_reply(("toolu_1", "version", {})), stream_reply(text_reply(["Something else."])))
    app = tool_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send(pilot, "version?")
        await modal(pilot)
        await pilot.press("escape")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ChatScreen) and idle(app),
            what="the turn to stop",
        )
        assert len(api.requests) == 1  # the loop stopped: nothing more was asked of Claude
        await send(pilot, "do something else")
        await wait_for(
            pilot, lambda: len(assistants(app)) == 2 and idle(app), timeout=30, what="the next reply"
        )
    [result] = [b for b in api.requests[1].body["messages"][2]["content"] if b["type"] == "tool_result"]
    assert result["tool_use_id"] == "toolu_1" and result["is_error"] is True
    assert "interrupted" in result["content"]
    assert not [pid for pid in started(pid_dir) if alive(pid)]


async def test_pre_approved_tools_run_without_asking(api, tool_app):
    api.then(tool_reply(("toolu_1", "version", {})), stream_reply(text_reply(["42."])))
    log = Asked()
    app = tool_app(allow_tools=("known",))
    async with app.run_test(size=(120, 40), message_hook=log) as pilot:
        await ready(pilot)
        await send(pilot, "version?")
        await wait_for(pilot, lambda: len(assistants(app)) == 2 and idle(app), timeout=30, what="the answer")
        assert not log.requests
    assert api.requests[1].body["messages"][-1]["content"][0]["content"] == KNOWN


async def test_escape_stops_a_running_call(api, tool_app, pid_dir):
    api.then(tool_reply(("toolu_1", "wait_forever", {})))
    app = tool_app("hanging", allow_tools=("hanging",))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send(pilot, "wait")
        status = app.screen.query_one(StatusBar)
        await wait_for(
            pilot, lambda: status.state.startswith("running wait_forever"), timeout=30, what="the call to run"
        )
        [view] = tool_views(app)
        assert view.title == "Tool call: wait_forever · running…"
        await pilot.press("escape")
        await wait_for(pilot, lambda: idle(app), what="the turn to stop")  # the title below says it was Esc
        assert len(api.requests) == 1 and isinstance(app.screen, ChatScreen)
        assert view.title == "Tool call: wait_forever · stopped"
    assert not [pid for pid in started(pid_dir) if alive(pid)]
