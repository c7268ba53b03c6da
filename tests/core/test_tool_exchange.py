"""A two-turn tool exchange through Turn and the real SDK: what goes back to the API, and what is stored."""

from __future__ import annotations

from claude_textual.config import Settings
from claude_textual.core.client import make_client
from claude_textual.core.loopback import DROP, sse
from claude_textual.core.model import Status, user_text_message
from claude_textual.core.requests import UNAVAILABLE
from claude_textual.core.turn import (
    MessageSaved,
    PromptSaved,
    ReplyClosed,
    ReplyEvent,
    ReplyOpened,
    Turn,
    drain,
)
from tests.conftest import fixture_reply, request_json
from tests.core._api_rules import assert_api_accepts
from tests.core._streams import block_stop, message_start, stream_reply, text_reply

PROMPT = (
    "Use the fixed_version tool. Then tell me the version and make one short joke about it. "
    "Think about it first."
)
TOOL_ID = "toolu_01825dXWLSoJwCst1qTsiWdb"


async def run_exchange(api, history):
    settings = Settings(
        model="claude-test", max_retries=0, timeout=20.0, thinking="enabled", thinking_budget=1024
    )
    api.then(
        fixture_reply("real_thinking_tool_use_turn1.sse"), fixture_reply("real_thinking_tool_use_turn2.sse")
    )
    conversation = history.create_conversation("tools", settings.model)
    client = make_client(settings, api_key="sk-test", base_url=api.url)
    events = await drain(Turn(history, conversation.id, settings, client), user_text_message(PROMPT))
    return conversation, events


async def test_second_request_sends_thinking_tool_use_and_result_back(api, history):
    await run_exchange(api, history)
    assert len(api.requests) == 2
    recorded = request_json("real_thinking_tool_use_turn2.request.json")["messages"]
    sent = api.requests[1].body["messages"]
    assert [t["role"] for t in sent] == ["user", "assistant", "user"]

    # the prompt, as typed
    assert sent[0] == recorded[0] == {"role": "user", "content": [{"type": "text", "text": PROMPT}]}

    # the assistant turn goes back unchanged: thinking with its signature, tool_use without `caller`
    assert sent[1] == recorded[1]
    thinking, tool_use = sent[1]["content"]
    assert thinking["signature"] == recorded[1]["content"][0]["signature"] and thinking["signature"]
    assert thinking["thinking"] == recorded[1]["content"][0]["thinking"]
    assert tool_use == {"type": "tool_use", "id": TOOL_ID, "name": "fixed_version", "input": {}}
    assert "caller" not in tool_use

    # our tool_result: for the same call, an error saying the tool is unavailable
    assert sent[2]["role"] == "user"
    (result,) = sent[2]["content"]
    assert result == {
        "type": "tool_result",
        "tool_use_id": TOOL_ID,
        "content": UNAVAILABLE.format(name="fixed_version"),
        "is_error": True,
    }
    assert result["tool_use_id"] == recorded[2]["content"][0]["tool_use_id"]
    assert "could not be run" in result["content"]


async def test_thinking_param_and_request_fields(api, history):
    await run_exchange(api, history)
    for request in api.requests:
        assert request.body["thinking"] == {"type": "enabled", "budget_tokens": 1024}
        assert request.body["model"] == "claude-test"
        assert request.body["stream"] is True
        assert request.body["max_tokens"] == 16000
    turn1 = request_json("real_thinking_tool_use_turn1.request.json")
    assert api.requests[0].body["messages"] == turn1["messages"]


async def test_stored_conversation_has_four_messages(api, history):
    conversation, events = await run_exchange(api, history)
    messages = history.load_messages(conversation.id)
    assert [(m.role, m.status, m.stop_reason) for m in messages] == [
        ("user", Status.COMPLETE, None),
        ("assistant", Status.COMPLETE, "tool_use"),
        ("user", Status.COMPLETE, None),
        ("assistant", Status.COMPLETE, "end_turn"),
    ]
    assert [m.seq for m in messages] == [0, 1, 2, 3]
    user, call, results, final = messages
    assert user.content == [{"type": "text", "text": PROMPT}]
    assert [b["type"] for b in call.content] == ["thinking", "tool_use"]
    assert call.content[1]["id"] == TOOL_ID
    assert results.content == [
        {
            "type": "tool_result",
            "tool_use_id": TOOL_ID,
            "content": UNAVAILABLE.format(name="fixed_version"),
            "is_error": True,
        }
    ]
    assert [b["type"] for b in final.content] == ["text"] and final.text()
    assert call.error is None and final.error is None
    assert call.usage.count("input_tokens") == 598 and final.usage.count("input_tokens") == 707
    assert history.get_conversation(conversation.id).message_count == 4

    # the events tell the same story, in order
    kinds = [type(e) for e in events if not isinstance(e, ReplyEvent)]
    assert kinds == [PromptSaved, ReplyOpened, ReplyClosed, MessageSaved, ReplyOpened, ReplyClosed]
    assert all(e.failure is None for e in events if isinstance(e, ReplyClosed))


async def test_every_request_of_the_exchange_is_well_formed(api, history):
    await run_exchange(api, history)
    for request in api.requests:
        assert_api_accepts(request.body["messages"])


async def test_retry_after_an_interrupted_tool_call_then_a_new_prompt(api, history):
    """A reply cut off after its tool call, retried with ``run(None)``, then a new prompt: every request
    sent must still be one the API accepts (each tool_use answered by a tool_result)."""
    settings = Settings(model="claude-test", max_retries=0, timeout=20.0, thinking="off")
    tool = sse(
        "content_block_start",
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "tool_use", "id": "toolu_cut", "name": "lookup", "input": {}},
        },
    )
    json_delta = sse(
        "content_block_delta",
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": '{"q": "x"}'},
        },
    )
    api.then(
        stream_reply([message_start("msg_1"), tool, json_delta, block_stop(0), DROP]),
        stream_reply(text_reply(["Sorry, ", "here it is."])),
        stream_reply(text_reply(["You're welcome."])),
    )
    conversation = history.create_conversation("retry", settings.model)
    client = make_client(settings, api_key="sk-test", base_url=api.url)

    def turn():
        return Turn(history, conversation.id, settings, client)

    first = await drain(turn(), user_text_message("look it up"))
    assert first[-1].message.status is Status.ERROR
    assert first[-1].message.content == [
        {"type": "tool_use", "id": "toolu_cut", "name": "lookup", "input": {"q": "x"}}
    ]
    await drain(turn(), None)  # retry: answer the history as it stands
    await drain(turn(), user_text_message("thanks"))

    assert len(api.requests) == 3
    for request in api.requests:
        assert_api_accepts(request.body["messages"])
    stored = history.load_messages(conversation.id)
    assert [(m.role, m.status) for m in stored] == [
        ("user", Status.COMPLETE),
        ("assistant", Status.ERROR),
        ("assistant", Status.COMPLETE),
        ("user", Status.COMPLETE),
        ("assistant", Status.COMPLETE),
    ]
