"""What the chat screen looks like after a real two-turn tool exchange (thinking, tool call, result, answer),
and after one whose tool an MCP server ran (thinking panel open, the call done, its result).

Update with ``pytest tests/ui/test_snapshots.py --snapshot-update``; set ``CLAUDE_TEXTUAL_SCREENSHOTS=1`` to
also write ``screenshots/chat.svg`` (the MCP one). Timings vary from run to run, so once the replies have settled the
footers are re-shown with fixed timings and the prompt's cursor stops blinking; the list's relative time is
"just now", as the screenshot follows the reply at once.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from claude_textual.core.loopback import sse
from claude_textual.ui.widgets.blocks import ThinkingView
from claude_textual.ui.widgets.conversation_list import ConversationList
from claude_textual.ui.widgets.prompt import PromptBox
from tests.conftest import fixture_reply
from tests.core._streams import block_stop, finish, message_start, stream_reply, text_block, text_reply
from tests.mcp_servers.fixtures import server
from tests.ui.uihelpers import SIZE, assistants, idle, ready, send, wait_for

PROMPT = "Use the fixed_version tool. Then tell me the version and make one short joke about it."
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


async def settle_tool_exchange(pilot, prompt: str = PROMPT) -> None:
    app = pilot.app
    await ready(pilot)
    await send(pilot, prompt)
    await wait_for(pilot, lambda: len(assistants(app)) == 2 and idle(app), what="both replies")
    listing = app.screen.query_one(ConversationList)

    def listed() -> bool:
        return listing.option_count == 1 and "4 msgs" in str(listing.get_option_at_index(0).prompt)

    await wait_for(pilot, listed, what="the list to show the finished conversation")
    # freeze what varies between runs: time to first token and duration in every reply footer
    for n, reply in enumerate(assistants(app)):
        usage = reply.message.usage
        assert usage is not None and usage.duration_ms is not None
        usage.ttft_ms, usage.duration_ms = 400 + 100 * n, 1700 + 100 * n
        await reply.close(reply.message, None)  # settling is idempotent: this re-shows the footer only
    app.screen.query_one(PromptBox).cursor_blink = False  # a blinking cursor is on or off at random
    await pilot.pause()
    assert "1.7 s (first token 400 ms)" in str(assistants(app)[0].query_one(".reply-footer").visual)


def test_chat_after_tool_exchange(api, make_app, snap_compare):
    """Thinking collapsed, the tool call and its input, our error result, the answer; usage in footers."""
    api.then(
        fixture_reply("real_thinking_tool_use_turn1.sse"), fixture_reply("real_thinking_tool_use_turn2.sse")
    )
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle_tool_exchange)
    assert len(api.requests) == 2


THOUGHT = "The user wants the version. The known server has a version tool; call it, then answer briefly."


def thinking_tool_reply() -> list:
    """Thinking (with its signature), a sentence, then a call of the MCP tool ``version``."""
    return [
        message_start("msg_mcp_1"),
        sse(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "thinking", "thinking": "", "signature": ""},
            },
        ),
        sse(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "thinking_delta", "thinking": THOUGHT},
            },
        ),
        sse(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "signature_delta", "signature": "c2lnbmF0dXJl"},
            },
        ),
        block_stop(0),
        *text_block(1, ["I'll ask the ", "version tool."]),
        block_stop(1),
        sse(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 2,
                "content_block": {"type": "tool_use", "id": "toolu_mcp_1", "name": "version", "input": {}},
            },
        ),
        sse(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 2,
                "delta": {"type": "input_json_delta", "partial_json": "{}"},
            },
        ),
        block_stop(2),
        *finish(stop_reason="tool_use"),
    ]


def test_chat_after_an_mcp_tool_ran(api, make_app, settings, pid_dir, snap_compare):
    """The thinking panel opened, the MCP tool call marked done, its result, the answer."""
    api.then(
        stream_reply(thinking_tool_reply()),
        stream_reply(text_reply(["The version is **claude-textual-tool-42**."])),
    )
    configured = replace(settings, mcp_servers=(server("known", "known", pid_dir),), allow_tools=("known",))

    async def settle(pilot) -> None:
        await settle_tool_exchange(pilot, "What version is the known server?")
        thinking = pilot.app.screen.query_one(ThinkingView)
        thinking.collapsed = False
        await pilot.pause()
        if os.environ.get("CLAUDE_TEXTUAL_SCREENSHOTS"):
            SCREENSHOTS.mkdir(exist_ok=True)
            pilot.app.save_screenshot("chat.svg", str(SCREENSHOTS))

    assert snap_compare(make_app(settings=configured), terminal_size=SIZE, run_before=settle)
    assert api.requests[1].body["messages"][-1]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_mcp_1", "content": "claude-textual-tool-42"}
    ]


def test_chat_at_80_by_24(api, make_app, snap_compare):
    """A small terminal: the list hides itself (F2 shows it), the transcript takes the width, and the
    status bar shortens and drops its least useful parts instead of cutting the end."""
    api.then(
        fixture_reply("real_thinking_tool_use_turn1.sse"), fixture_reply("real_thinking_tool_use_turn2.sse")
    )

    async def settle(pilot) -> None:
        await settle_tool_exchange(pilot)
        assert not pilot.app.screen.query_one("#sidebar").display

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=settle)


def test_chat_at_200_by_60(api, make_app, snap_compare):
    """A wide terminal: a wider list whose titles use its width, and a transcript at a reading width."""
    api.then(
        fixture_reply("real_thinking_tool_use_turn1.sse"), fixture_reply("real_thinking_tool_use_turn2.sse")
    )
    assert snap_compare(make_app(), terminal_size=(200, 60), run_before=settle_tool_exchange)
