"""Every recorded stream, served over loopback to the real SDK, lands in the database as the SDK holds it."""

from __future__ import annotations

import pytest

from claude_textual.core.client import make_client
from claude_textual.core.model import Status, user_text_message
from claude_textual.core.turn import ReplyClosed, Turn
from tests.conftest import SSE, fixture_reply

T = "text"
# file -> (block types, stop_reason, input tokens, output tokens): the table in shared/fixtures/README.md
EXPECTED = {
    "docs_basic_text.sse": ([T], "end_turn", 25, 15),
    "docs_basic_crlf.sse": ([T], "end_turn", 25, 15),
    "sdk_basic_response.sse": ([T], "end_turn", 11, 6),
    "real_thinking_text.sse": (["thinking", T], "end_turn", 43, 282),
    "thinking_display_omitted.sse": (["thinking", T], "end_turn", 25, 120),
    "docs_tool_use.sse": ([T, "tool_use"], "tool_use", 472, 89),
    "real_thinking_tool_use_turn1.sse": (["thinking", "tool_use"], "tool_use", 598, 92),
    "real_thinking_tool_use_turn2.sse": ([T], "end_turn", 707, 89),
    "real_web_search_citations.sse": (
        [
            "thinking",
            "server_tool_use",
            "web_search_tool_result",
            T,
            "server_tool_use",
            "web_search_tool_result",
        ]
        + [T] * 11,
        "end_turn",
        22397,
        637,
    ),
    "sdk_incomplete_partial_json_response.sse": ([T, "tool_use"], "max_tokens", 450, 124),
    "sdk_refusal_response.sse": ([T], "refusal", 20, 0),
    "sdk_fable_stream_b_fallback.sse": ([T], "end_turn", 31, 547),
}
ERRORS = {"midstream_overloaded_error.sse", "docs_error_event.sse"}


def test_every_fixture_is_covered():
    assert {p.name for p in SSE.glob("*.sse")} == set(EXPECTED) | ERRORS


async def sdk_final_message(api, name):
    """What the SDK's own get_final_message() yields for the stream, for comparison."""
    api.then(fixture_reply(name))
    client = make_client_for(api)
    async with client.messages.stream(
        model="m", max_tokens=10, messages=[{"role": "user", "content": "x"}]
    ) as s:
        return (await s.get_final_message()).to_dict(mode="json")


def make_client_for(api):
    from claude_textual.config import Settings

    return make_client(Settings(max_retries=0), api_key="sk-test", base_url=api.url)


async def run_turn(api, history, settings, name):
    api.then(fixture_reply(name))
    conversation = history.create_conversation("t", settings.model)
    turn = Turn(history, conversation.id, settings, make_client_for(api))
    turn.client.max_retries = 0
    events = []
    async for event in turn.run(user_text_message("hello")):
        events.append(event)
        if isinstance(event, ReplyClosed):
            break  # one reply: the tool loop is tested elsewhere
    return conversation, events


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_fixture_lands_in_database(api, history, settings, name):
    expected = await sdk_final_message(api, name)
    conversation, _ = await run_turn(api, history, settings, name)
    user, reply = history.load_messages(conversation.id)[:2]
    assert user.role == "user" and user.content == [{"type": "text", "text": "hello"}]
    types, stop_reason, tokens_in, tokens_out = EXPECTED[name]
    assert [b["type"] for b in reply.content] == types
    assert reply.content == expected["content"]
    assert reply.stop_reason == stop_reason == expected["stop_reason"]
    assert reply.api_id == expected["id"] and reply.model == expected["model"]
    assert reply.status is Status.COMPLETE and reply.error is None
    assert reply.usage.raw == expected["usage"]
    assert (reply.usage.count("input_tokens"), reply.usage.count("output_tokens")) == (tokens_in, tokens_out)
    assert reply.usage.request_id and reply.usage.duration_ms is not None


async def test_thinking_signature_and_citations_kept(api, history, settings):
    conversation, _ = await run_turn(api, history, settings, "real_web_search_citations.sse")
    reply = history.load_messages(conversation.id)[1]
    thinking = reply.content[0]
    assert thinking["signature"] and thinking["thinking"]
    cited = [b for b in reply.content if b["type"] == "text" and b.get("citations")]
    assert cited and all(c["url"].startswith("http") for b in cited for c in b["citations"])
    assert reply.usage.server_tool_use["web_search_requests"] == 2
    assert reply.usage.raw["server_tool_use"]["web_search_requests"] == 2


async def test_refusal_keeps_stop_details(api, history, settings):
    conversation, _ = await run_turn(api, history, settings, "sdk_refusal_response.sse")
    reply = history.load_messages(conversation.id)[1]
    assert reply.extra["stop_details"]["explanation"] == "This request was refused due to policy."


async def test_midstream_error_keeps_partial_reply(api, history, settings):
    conversation, events = await run_turn(api, history, settings, "midstream_overloaded_error.sse")
    closed = events[-1]
    assert isinstance(closed, ReplyClosed)
    assert "overloaded_error" in str(closed.failure)
    user, reply = history.load_messages(conversation.id)
    assert user.content[0]["text"] == "hello"
    assert reply.status is Status.ERROR
    assert reply.content == [{"type": "text", "text": "Hello"}]
    assert "Overloaded" in reply.error
    assert reply.usage.count("input_tokens") == 25


async def test_lone_error_event_gives_clear_error(api, history, settings):
    conversation, events = await run_turn(api, history, settings, "docs_error_event.sse")
    assert "without sending a reply" in str(events[-1].failure)
    user, reply = history.load_messages(conversation.id)
    assert user.content[0]["text"] == "hello"
    assert reply.status is Status.ERROR and reply.content == [] and reply.error
    assert reply.usage is None
