"""Prompt caching end to end: the breakpoints each ``cache`` policy puts in the app's requests, and
what the caching loopback server (the API's rules) reads, writes and bills for them, through the SDK."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import anthropic
import pytest

from claude_textual.core.caching import MAX_BREAKPOINTS, ttls, with_caching
from claude_textual.core.client import make_client
from claude_textual.core.model import Message, user_text_message
from claude_textual.core.prompt_cache import breakpoints, refusal
from claude_textual.core.turn import Turn, drain
from tests.core._streams import stream_reply, text_reply

LONG_SYSTEM = "You answer questions about the sea. " * 150  # about 1,350 tokens: worth a breakpoint
MINUTE = 60.0


def marks(body: dict) -> list[tuple[str, str]]:
    """(where, ttl) of every cache_control in a request body, top level last."""
    found = [
        ("tools", t["cache_control"].get("ttl", "5m")) for t in body.get("tools", []) if "cache_control" in t
    ]
    system = body.get("system")
    if isinstance(system, list):
        found += [("system", b["cache_control"].get("ttl", "5m")) for b in system if "cache_control" in b]
    for turn in body["messages"]:
        content = turn["content"] if isinstance(turn["content"], list) else []
        found += [("messages", b["cache_control"]["ttl"]) for b in content if "cache_control" in b]
    if "cache_control" in body:
        found.append(("top", body["cache_control"].get("ttl", "5m")))
    return found


async def converse(api, history, settings, prompts: list[str], gaps=(), clock=None, **turn) -> list[dict]:
    """Send ``prompts`` in one conversation (``clock`` moved by ``gaps`` before each later one); returns
    the request bodies the server got."""
    conversation = history.create_conversation("sea", settings.model, settings.system)
    client = make_client(settings, api_key="sk-test", base_url=api.url)
    api.then(*[stream_reply(text_reply(["It is deep, ", "about 3.7 km on average."])) for _ in prompts])
    for n, prompt in enumerate(prompts):
        if n and clock is not None:
            clock.advance(gaps[n - 1] if gaps else 0)
        await drain(Turn(history, conversation.id, settings, client, **turn), user_text_message(prompt))
    return [r.body for r in api.requests if r.path.endswith("/v1/messages")]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("auto", [("system", "1h"), ("top", "5m")]),
        ("5m", [("system", "5m"), ("top", "5m")]),
        ("1h", [("system", "1h"), ("top", "1h")]),
        ("off", []),
    ],
)
async def test_each_policy_puts_its_breakpoints_in_the_request(api, history, settings, policy, expected):
    settings = replace(settings, system=LONG_SYSTEM, cache=policy)
    (body,) = await converse(api, history, settings, ["How deep is the sea?"])
    assert marks(body) == expected
    assert len(breakpoints(body)) <= MAX_BREAKPOINTS
    if policy == "off":
        assert "cache_control" not in repr(body)


async def test_a_short_system_prompt_spends_no_breakpoint(api, history, settings):
    settings = replace(settings, system="Be brief.")
    (body,) = await converse(api, history, settings, ["Hi"])
    assert body["system"] == "Be brief." and marks(body) == [("top", "5m")]


def test_never_more_than_four_breakpoints_whatever_the_history_carries():
    """Breakpoints an imported transcript carries are not sent back; tools and system get one."""
    params = {
        "model": "claude-sonnet-5-5",
        "system": [{"type": "text", "text": LONG_SYSTEM, "cache_control": {"type": "ephemeral"}}],
        "tools": [{"name": f"t{i}", "input_schema": {"type": "object"}} for i in range(3)],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
    }
    for policy in ("auto", "5m", "1h"):
        body = with_caching({**params}, policy)
        assert len(breakpoints(body)) == 2 and refusal(body) is None


def test_auto_follows_the_users_pace():
    start = datetime(2026, 11, 1, tzinfo=UTC)

    def times(*gaps: float) -> list[datetime]:
        out = [start]
        for gap in gaps:
            out.append(out[-1] + timedelta(seconds=gap))
        return out

    assert ttls("auto", times()) == ("1h", "5m")  # a first prompt: most chats answer quickly
    assert ttls("auto", times(30, 60, 90)) == ("1h", "5m")
    assert ttls("auto", times(30, 6 * MINUTE)) == ("1h", "1h"), "a pause past 5 minutes: an hour"
    assert ttls("auto", times(6 * MINUTE, 30, 30, 30)) == ("1h", "5m"), "only the last few pauses count"
    assert ttls("auto", times(90 * MINUTE, 90 * MINUTE)) is None, "nothing would be read again"
    assert ttls("auto", times(90 * MINUTE, 90 * MINUTE), client_tools=True) == ("5m", "5m")
    assert ttls("5m", times(6 * MINUTE)) == ("5m", "5m") and ttls("1h", times()) == ("1h", "1h")
    assert ttls("off", times()) is None


async def test_the_server_reads_what_the_last_turn_wrote(caching_api, history, settings, clock):
    settings = replace(settings, system=LONG_SYSTEM)
    await converse(caching_api, history, settings, ["How deep is the sea?", "And the ocean?"], clock=clock)
    (conversation,) = history.list_conversations()
    first, second = [m.usage.raw for m in history.load_messages(conversation.id) if m.usage]
    # the first request writes everything: the system prompt for an hour, the prompt for 5 minutes
    assert first["cache_read_input_tokens"] == 0 and first["input_tokens"] == 0
    assert first["cache_creation"]["ephemeral_1h_input_tokens"] == len(LONG_SYSTEM) // 4
    assert first["cache_creation"]["ephemeral_5m_input_tokens"] > 0
    # the second reads all of the first request back and writes only the new turn
    assert second["cache_read_input_tokens"] == first["cache_creation_input_tokens"]
    assert second["cache_creation"]["ephemeral_1h_input_tokens"] == 0
    assert 0 < second["cache_creation_input_tokens"] < first["cache_creation_input_tokens"]


async def test_after_a_pause_the_system_prompt_is_still_read_from_the_cache(
    caching_api, history, settings, clock
):
    settings = replace(settings, system=LONG_SYSTEM)
    prompts = ["How deep is the sea?", "And the ocean?"]
    await converse(caching_api, history, settings, prompts, gaps=[20 * MINUTE], clock=clock)
    (conversation,) = history.list_conversations()
    second = [m.usage.raw for m in history.load_messages(conversation.id) if m.usage][1]
    # the 5-minute entry of the conversation is gone; the hour-long one of the system prompt is not
    assert second["cache_read_input_tokens"] == len(LONG_SYSTEM) // 4
    assert second["input_tokens"] == 0 and second["cache_creation_input_tokens"] > 0


async def test_cache_off_reads_and_writes_nothing(caching_api, history, settings, clock):
    settings = replace(settings, system=LONG_SYSTEM, cache="off")
    await converse(caching_api, history, settings, ["How deep is the sea?", "And the ocean?"], clock=clock)
    (conversation,) = history.list_conversations()
    for usage in [m.usage.raw for m in history.load_messages(conversation.id) if m.usage]:
        assert usage["cache_read_input_tokens"] == usage["cache_creation_input_tokens"] == 0


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (
            {
                "cache_control": {"type": "ephemeral"},
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": f"p{i}", "cache_control": {"type": "ephemeral"}}
                            for i in range(4)
                        ]
                        + [{"type": "text", "text": "last"}],
                    }
                ],
            },
            "A maximum of 4 blocks with cache_control may be provided. Found 5.",
        ),
        (
            {
                "system": [
                    {"type": "text", "text": "s", "cache_control": {"type": "ephemeral", "ttl": "5m"}}
                ],
                "cache_control": {"type": "ephemeral", "ttl": "1h"},
                "messages": [{"role": "user", "content": "hi"}],
            },
            "a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block",
        ),
    ],
    ids=["five-breakpoints", "1h-after-5m"],
)
async def test_the_server_refuses_what_the_api_refuses(api, body, why):
    client = anthropic.AsyncAnthropic(api_key="sk-test", base_url=api.url, max_retries=0)
    with pytest.raises(anthropic.BadRequestError, match=why.split(".")[0].replace("(", r"\(")):
        await client.messages.create(model="claude-test", max_tokens=10, **body)
    assert refusal(body).startswith(why)


def test_prompt_times_leave_tool_results_out():
    from claude_textual.core.caching import prompt_times

    prompt = user_text_message("hi")
    result = Message("user", [{"type": "tool_result", "tool_use_id": "t", "content": "x"}])
    assert prompt_times([prompt, Message("assistant", []), result]) == [prompt.created_at]
