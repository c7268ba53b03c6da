"""Block, delta and event types this version does not know are kept whole and never break a reply."""

from __future__ import annotations

from claude_textual.core.client import make_client
from claude_textual.core.loopback import Reply, sse
from claude_textual.core.model import Status, user_text_message
from claude_textual.core.requests import build_messages
from claude_textual.core.turn import Turn, drain

FUTURE_BLOCK = {"type": "future_block", "payload": {"a": [1, 2]}, "note": "kept"}


def future_stream() -> list[bytes]:
    start = {
        "id": "msg_future",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "m",
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 3, "output_tokens": 1},
    }
    return [
        sse("message_start", {"type": "message_start", "message": start}),
        sse(
            "content_block_start", {"type": "content_block_start", "index": 0, "content_block": FUTURE_BLOCK}
        ),
        sse(
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "future_delta", "bits": "x"}},
        ),
        sse("content_block_stop", {"type": "content_block_stop", "index": 0}),
        sse("future_event", {"type": "future_event", "anything": True}),
        sse(
            "content_block_start",
            {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
        ),
        sse(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 1,
                "delta": {"type": "text_delta", "text": "still here"},
            },
        ),
        sse("content_block_stop", {"type": "content_block_stop", "index": 1}),
        sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": 7},
            },
        ),
        sse("message_stop", {"type": "message_stop"}),
    ]


async def test_unknown_block_is_stored_whole_and_sent_back(api, history, settings):
    api.then(Reply(200, future_stream()))
    conversation = history.create_conversation("t", settings.model)
    client = make_client(settings, api_key="sk-test", base_url=api.url)
    await drain(Turn(history, conversation.id, settings, client), user_text_message("hi"))
    reply = history.load_messages(conversation.id)[1]
    assert reply.status is Status.COMPLETE
    assert reply.content == [FUTURE_BLOCK, {"type": "text", "text": "still here"}]
    assert reply.usage.count("output_tokens") == 7
    sent = build_messages(history.load_messages(conversation.id))
    assert sent[1]["content"][0] == FUTURE_BLOCK
