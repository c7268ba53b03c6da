"""Client tools from real MCP stdio servers, called by Turn for real SDK replies from the loopback API.

Each test starts the servers it needs (``tests/mcp_servers``) as processes and checks that they are
gone once the manager is closed.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from claude_textual.config import McpServer, Settings
from claude_textual.core.client import make_client
from claude_textual.core.model import user_text_message
from claude_textual.core.tools import Decision, ToolManager
from claude_textual.core.turn import DENIED, LIMIT, ToolFinished, ToolNotice, ToolStarted, Turn, drain
from tests.core._api_rules import assert_api_accepts
from tests.core._streams import stream_reply, text_reply, tool_reply
from tests.mcp_servers.fixtures import alive, server, started
from tests.mcp_servers.known import KNOWN


class Answers:
    """An approver that answers from a list and records what it was asked."""

    def __init__(self, *decisions: Decision) -> None:
        self.decisions = list(decisions)
        self.asked: list[tuple[str, str]] = []

    async def __call__(self, tool_use: dict, server: str) -> Decision:
        self.asked.append((tool_use["name"], server))
        return self.decisions.pop(0)


async def run(api, history, servers: list[McpServer], approve=None, **options):
    """One turn with a tool manager for ``servers``; the manager is closed afterwards."""
    settings = Settings(
        model="claude-test",
        max_retries=0,
        timeout=20.0,
        thinking="off",
        mcp_servers=tuple(servers),
        **options,
    )
    tools = ToolManager(settings)
    conversation = history.create_conversation("tools", settings.model)
    client = make_client(settings, api_key="sk-test", base_url=api.url)
    try:
        turn = Turn(history, conversation.id, settings, client, tools=tools, approve=approve)
        events = await drain(turn, user_text_message("use the tools"))
    finally:
        await tools.aclose()
    return events


def last_results(request) -> list[dict]:
    """The tool_result blocks of a recorded request's last (user) turn."""
    turn = request.body["messages"][-1]
    assert turn["role"] == "user"
    return turn["content"]


def assert_all_exited(pid_dir: Path, count: int) -> None:
    pids = started(pid_dir)
    assert len(pids) == count
    assert not [pid for pid in pids if alive(pid)], "a tool server outlived the manager"


async def test_known_tool_runs_once_approved_and_its_result_goes_back(api, history, pid_dir):
    api.then(tool_reply(("toolu_1", "version", {})), stream_reply(text_reply(["It is 42."])))
    approve = Answers(Decision.ONCE)
    events = await run(api, history, [server("known", "known", pid_dir)], approve)

    assert approve.asked == [("version", "known")]
    first, second = api.requests
    offered = {t["name"]: t for t in first.body["tools"]}
    assert set(offered) == {"version", "echo", "add", "picture"}
    assert offered["add"]["description"] == "Add two integers."
    assert offered["add"]["input_schema"]["required"] == ["a", "b"]
    assert last_results(second) == [{"type": "tool_result", "tool_use_id": "toolu_1", "content": KNOWN}]
    assert_api_accepts(second.body["messages"])
    started_event = next(e for e in events if isinstance(e, ToolStarted))
    assert (started_event.tool_use["id"], started_event.server) == ("toolu_1", "known")
    [finished] = [e for e in events if isinstance(e, ToolFinished)]
    assert finished.result["content"] == KNOWN
    assert_all_exited(pid_dir, 1)


async def test_deny_sends_an_error_result_and_the_loop_goes_on(api, history, pid_dir):
    api.then(tool_reply(("toolu_1", "echo", {"text": "hi"})), stream_reply(text_reply(["Understood."])))
    events = await run(api, history, [server("known", "known", pid_dir)], Answers(Decision.DENY))
    assert last_results(api.requests[1]) == [
        {
            "type": "tool_result",
            "tool_use_id": "toolu_1",
            "content": DENIED.format(name="echo"),
            "is_error": True,
        }
    ]
    assert not [e for e in events if isinstance(e, ToolStarted)]
    assert len(api.requests) == 2  # Claude got to answer the denial
    assert_all_exited(pid_dir, 1)


async def test_failing_tool_gives_an_error_result(api, history, pid_dir):
    api.then(tool_reply(("toolu_1", "explode", {})), stream_reply(text_reply(["Oops."])))
    await run(api, history, [server("failing", "failing", pid_dir)], allow_tools=("failing",))
    [result] = last_results(api.requests[1])
    assert result["is_error"] is True
    assert result["content"] == "Error executing tool explode: the fuse was lit"
    assert_all_exited(pid_dir, 1)


async def test_hanging_tool_times_out_with_a_clear_error(api, history, pid_dir):
    api.then(tool_reply(("toolu_1", "wait_forever", {})), stream_reply(text_reply(["Too slow."])))
    events = await run(
        api, history, [server("slow", "hanging", pid_dir, timeout=1.0)], allow_tools=("wait_forever",)
    )
    [result] = last_results(api.requests[1])
    assert result == {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "is_error": True,
        "content": (
            "The tool 'wait_forever' (server 'slow') did not answer within 1 s; the call was abandoned."
        ),
    }
    assert [type(e) for e in events if isinstance(e, ToolStarted | ToolFinished)] == [
        ToolStarted,
        ToolFinished,
    ]
    assert_all_exited(pid_dir, 1)


async def test_server_that_dies_on_start_is_skipped_with_a_notice(api, history, pid_dir):
    dead = McpServer(
        "dead", sys.executable, ("-c", "import sys; print('no such thing', file=sys.stderr); sys.exit(3)")
    )
    api.then(tool_reply(("toolu_1", "version", {})), stream_reply(text_reply(["Done."])))
    events = await run(api, history, [dead, server("known", "known", pid_dir)], allow_tools=("known",))
    [notice] = [e.text for e in events if isinstance(e, ToolNotice)]
    assert notice.startswith("The tool server 'dead' could not start")
    assert "no such thing" in notice and notice.endswith("Its tools are not offered.")
    assert {t["name"] for t in api.requests[0].body["tools"]} == {"version", "echo", "add", "picture"}
    assert last_results(api.requests[1])[0]["content"] == KNOWN


async def test_server_that_never_answers_on_start_times_out(api, history):
    mute = McpServer("mute", sys.executable, ("-c", "import time; time.sleep(60)"), start_timeout=1.0)
    api.then(stream_reply(text_reply(["No tools today."])))
    events = await run(api, history, [mute])
    assert [e.text for e in events if isinstance(e, ToolNotice)] == [
        "The tool server 'mute' did not start within 1 s. Its tools are not offered."
    ]
    assert "tools" not in api.requests[0].body


async def test_server_that_dies_mid_call_gives_an_error_naming_it(api, history, pid_dir):
    api.then(
        tool_reply(("toolu_1", "vanish", {})),
        tool_reply(("toolu_2", "explode", {})),
        stream_reply(text_reply(["It is gone."])),
    )
    events = await run(api, history, [server("failing", "failing", pid_dir)], allow_tools=("failing",))
    [first] = last_results(api.requests[1])
    assert first["is_error"] is True
    assert first["content"].startswith("The tool server 'failing' stopped while running 'vanish'")
    assert "tools" not in api.requests[2].body  # no longer offered
    [second] = last_results(api.requests[2])
    assert second == {
        "type": "tool_result",
        "tool_use_id": "toolu_2",
        "is_error": True,
        "content": "There is no tool named 'explode' here.",
    }
    assert any(isinstance(e, ToolNotice) and "'failing' stopped" in e.text for e in events)
    assert_all_exited(pid_dir, 1)


async def test_a_loop_of_several_tool_calls(api, history, pid_dir):
    api.then(
        tool_reply(("toolu_1", "add", {"a": 2, "b": 3}), text="First the sum."),
        tool_reply(("toolu_2", "echo", {"text": "5"}), ("toolu_3", "add", {"a": 5, "b": 5})),
        tool_reply(("toolu_4", "picture", {}), ("toolu_5", "version", {})),
        stream_reply(text_reply(["All done."])),
    )
    approve = Answers(Decision.CONVERSATION, Decision.ONCE, Decision.ONCE, Decision.ONCE)
    events = await run(api, history, [server("known", "known", pid_dir)], approve)
    # "add", allowed for the conversation, is not asked about again; the others are, each time
    assert approve.asked == [("add", "known"), ("echo", "known"), ("picture", "known"), ("version", "known")]
    assert len(api.requests) == 4
    assert last_results(api.requests[1]) == [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "5"}
    ]
    assert last_results(api.requests[2]) == [
        {"type": "tool_result", "tool_use_id": "toolu_2", "content": "echo: 5"},
        {"type": "tool_result", "tool_use_id": "toolu_3", "content": "10"},
    ]
    assert last_results(api.requests[3]) == [
        {"type": "tool_result", "tool_use_id": "toolu_4", "content": "[image: image/png, 100 bytes]"},
        {"type": "tool_result", "tool_use_id": "toolu_5", "content": KNOWN},
    ]
    for request in api.requests:
        assert_api_accepts(request.body["messages"])
    assert [e.tool_use["id"] for e in events if isinstance(e, ToolFinished)] == [
        "toolu_1",
        "toolu_2",
        "toolu_3",
        "toolu_4",
        "toolu_5",
    ]
    assert_all_exited(pid_dir, 1)


async def test_tool_rounds_are_bounded(api, history, pid_dir):
    api.then(tool_reply(("toolu_1", "version", {})), tool_reply(("toolu_2", "version", {})))
    events = await run(
        api, history, [server("known", "known", pid_dir)], max_tool_rounds=2, allow_tools=("version",)
    )
    assert len(api.requests) == 2
    [limited] = history.load_messages(history.list_conversations()[0].id)[-1].content
    assert limited == {
        "type": "tool_result",
        "tool_use_id": "toolu_2",
        "is_error": True,
        "content": LIMIT.format(rounds=2),
    }
    assert any(isinstance(e, ToolNotice) and "max_tool_rounds" in e.text for e in events)


async def test_a_name_two_servers_share_is_prefixed(api, history, pid_dir):
    api.then(tool_reply(("toolu_1", "beta__version", {})), stream_reply(text_reply(["ok"])))
    events = await run(
        api,
        history,
        [server("alpha", "known", pid_dir), server("beta", "known", pid_dir)],
        allow_tools=("beta",),
    )
    names = {t["name"] for t in api.requests[0].body["tools"]}
    assert "alpha__version" in names and "beta__echo" in names and "version" not in names
    assert any(isinstance(e, ToolNotice) and "'beta__version'" in e.text for e in events)
    assert last_results(api.requests[1])[0]["content"] == KNOWN
    assert_all_exited(pid_dir, 2)


async def test_cancel_during_approval_keeps_the_history_sendable(api, history, pid_dir):
    api.then(
        tool_reply(("toolu_1", "version", {}), ("toolu_2", "echo", {"text": "x"})),
        stream_reply(text_reply(["Fine."])),
    )
    settings = Settings(
        model="claude-test",
        max_retries=0,
        timeout=20.0,
        thinking="off",
        mcp_servers=(server("known", "known", pid_dir),),
        allow_tools=("version",),
    )
    tools = ToolManager(settings)
    conversation = history.create_conversation("tools", settings.model)
    client = make_client(settings, api_key="sk-test", base_url=api.url)
    asked = asyncio.Event()

    async def never(tool_use: dict, server_name: str) -> Decision:
        asked.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    task = asyncio.ensure_future(
        drain(
            Turn(history, conversation.id, settings, client, tools=tools, approve=never),
            user_text_message("go"),
        )
    )
    await asyncio.wait_for(asked.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await tools.aclose()
    assert_all_exited(pid_dir, 1)
    # the result that came in is kept; the unanswered call goes back as interrupted
    await drain(Turn(history, conversation.id, settings, client), user_text_message("never mind"))
    sent = api.requests[-1].body["messages"]
    assert_api_accepts(sent)
    results = {b["tool_use_id"]: b for b in sent[2]["content"] if b["type"] == "tool_result"}
    assert results["toolu_1"]["content"] == KNOWN
    assert results["toolu_2"]["is_error"] is True and "interrupted" in results["toolu_2"]["content"]


async def test_closing_while_a_server_starts_leaves_no_process(pid_dir):
    code = f"import os, time; open({str(pid_dir / 'slow')!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    tools = ToolManager(Settings(mcp_servers=(McpServer("slow", sys.executable, ("-c", code)),)))
    starting = asyncio.ensure_future(tools.prepare())
    while not (pid_dir / "slow").exists():
        await asyncio.sleep(0.05)
    await tools.aclose()
    assert_all_exited(pid_dir, 1)
    [notice] = await starting
    assert notice.startswith("The tool server 'slow' could not start")


async def test_server_tools_switched_on_are_offered_beside_the_mcp_tools(api, history, pid_dir):
    api.then(stream_reply(text_reply(["Nothing to run."])))
    await run(api, history, [server("known", "known", pid_dir)], Answers(), web_search=True)
    names = [t["name"] for t in api.requests[0].body["tools"]]
    assert names[0] == "web_search" and set(names[1:]) == {"version", "echo", "add", "picture"}
    assert api.requests[0].body["tools"][0]["type"].startswith("web_search_")
    assert_all_exited(pid_dir, 1)


@pytest.mark.parametrize("closed", ["on its start timeout", "while starting"])
def test_a_server_stopped_before_it_started_leaves_no_transport_open(pid_dir, closed):
    """Stopped by its start timeout, or by closing the manager while it starts: the server's task is
    told to stop, not cancelled, so the SDK's shutdown runs whole: the process is gone and its transport
    closed before the loop is, and nothing warns later (``Event loop is closed``)."""
    code = f"import os, time; open({str(pid_dir / 'mute')!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    timeout = 1.0 if closed == "on its start timeout" else 30.0
    tools = ToolManager(
        Settings(mcp_servers=(McpServer("mute", sys.executable, ("-c", code), start_timeout=timeout),))
    )

    async def start_and_close() -> list[str]:
        starting = asyncio.ensure_future(tools.prepare())
        while not (pid_dir / "mute").exists():
            await asyncio.sleep(0.05)
        if closed == "while starting":
            await tools.aclose()
            return await starting
        notices = await starting
        await tools.aclose()
        return notices

    raised: list[Any] = []
    hook, sys.unraisablehook = sys.unraisablehook, raised.append
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            [notice] = asyncio.run(start_and_close())
            gc.collect()
    finally:
        sys.unraisablehook = hook
    assert notice.startswith("The tool server 'mute'")
    assert_all_exited(pid_dir, 1)
    # its task ended on its own, not cancelled: a cancel could cut the SDK's shutdown short
    assert not any(s._task.cancelled() for s in tools.servers.values() if s._task is not None)
    assert not raised, [f"{r.exc_value!r} in {r.object!r}" for r in raised]
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)], [
        str(w.message) for w in caught
    ]
