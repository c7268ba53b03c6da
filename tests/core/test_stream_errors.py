"""Every way a reply can fail, through Turn and the real SDK: a readable failure, nothing lost."""

from __future__ import annotations

from claude_textual.config import Settings
from claude_textual.core.client import make_client
from claude_textual.core.loopback import DROP, Reply
from claude_textual.core.model import Status, user_text_message
from claude_textual.core.turn import PromptSaved, ReplyClosed, ReplyOpened, Turn, drain
from tests.core._streams import block_stop, message_start, stream_reply, text_block

PARTIAL = ["Hello", ", wor"]
PARTIAL_TEXT = "Hello, wor"


async def run(api, history, reply, *, timeout=20.0):
    settings = Settings(model="claude-test", max_retries=0, timeout=timeout, thinking="off")
    api.then(reply)
    conversation = history.create_conversation("t", settings.model)
    client = make_client(settings, api_key="sk-test", base_url=api.url)
    events = await drain(Turn(history, conversation.id, settings, client), user_text_message("hi there"))
    closed = events[-1]
    assert isinstance(closed, ReplyClosed)
    assert [type(e) for e in events[:2]] == [PromptSaved, ReplyOpened]
    messages = history.load_messages(conversation.id)
    assert len(messages) == 2, "the failed reply must not trigger a second request"
    user, reply_row = messages
    assert user.role == "user" and user.status is Status.COMPLETE
    assert user.content == [{"type": "text", "text": "hi there"}]
    assert reply_row.role == "assistant"
    assert reply_row.error == str(closed.failure) and reply_row.error
    assert closed.message.status is reply_row.status
    assert len(api.requests) == 1
    return closed.failure, reply_row


# HTTP errors before the stream starts --------------------------------------------------------------


async def test_401_points_at_the_api_key(api, history):
    failure, reply = await run(api, history, Reply.error(401, "authentication_error", "invalid x-api-key"))
    assert failure.status == 401 and failure.kind == "authentication_error"
    assert "ANTHROPIC_API_KEY" in failure.message and "401" in failure.message
    assert reply.status is Status.ERROR and reply.content == [] and reply.usage is None
    assert "ANTHROPIC_API_KEY" in reply.error


async def test_429_says_how_long_to_wait(api, history):
    limited = Reply.error(
        429,
        "rate_limit_error",
        "Number of request tokens has exceeded your rate limit.",
        **{"retry-after": "17"},
    )
    failure, reply = await run(api, history, limited)
    assert failure.status == 429 and failure.kind == "rate_limit_error" and failure.retry_after == 17
    assert "Rate limited (429)" in failure.message
    assert "retry after 17s" in failure.message
    assert "exceeded your rate limit" in failure.message
    assert reply.status is Status.ERROR and reply.content == []


async def test_429_without_retry_after(api, history):
    failure, _ = await run(api, history, Reply.error(429, "rate_limit_error", "slow down"))
    assert failure.retry_after is None and "retry after" not in failure.message
    assert "Rate limited (429)" in failure.message


async def test_500(api, history):
    failure, reply = await run(api, history, Reply.error(500, "api_error", "Internal server error"))
    assert failure.status == 500 and failure.kind == "api_error"
    assert "internal error (500)" in failure.message and "Internal server error" in failure.message
    assert reply.status is Status.ERROR and reply.content == []


async def test_529_overloaded(api, history):
    failure, reply = await run(api, history, Reply.error(529, "overloaded_error", "Overloaded"))
    assert failure.status == 529 and failure.kind == "overloaded_error"
    assert "overloaded (529)" in failure.message
    assert reply.status is Status.ERROR and reply.content == []


async def test_request_id_of_a_failed_request_is_kept(api, history):
    failure, _ = await run(api, history, Reply.error(500, "api_error", "boom", **{"request-id": "req_abc"}))
    assert failure.request_id == "req_abc"


# failures after the stream started: the partial reply is kept ----------------------------------------


async def test_dropped_connection_keeps_partial_text(api, history):
    """The connection is cut mid-body (no closing chunk): a failure, not a clean end, and the text is kept."""
    pieces = [message_start(), *text_block(0, PARTIAL), DROP]
    failure, reply = await run(api, history, stream_reply(pieces))
    assert failure.kind == "dropped"
    assert "dropped" in failure.message and "partial reply is kept" in failure.message
    assert reply.status is Status.ERROR
    assert reply.content == [{"type": "text", "text": PARTIAL_TEXT}]
    assert reply.api_id == "msg_test_1" and reply.stop_reason is None
    assert reply.usage is not None and reply.usage.count("input_tokens") == 12


async def test_clean_end_before_message_stop_is_interrupted(api, history):
    pieces = [message_start(), *text_block(0, PARTIAL), block_stop(0)]  # no message_delta, no message_stop
    failure, reply = await run(api, history, stream_reply(pieces))
    assert failure.kind == "truncated"
    assert "ended before the reply was complete" in failure.message
    assert reply.status is Status.INTERRUPTED
    assert reply.content == [{"type": "text", "text": PARTIAL_TEXT}]
    assert reply.stop_reason is None


async def test_stall_between_events_keeps_partial_text(api, history):
    pieces = [message_start(), *text_block(0, PARTIAL), 5.0, block_stop(0)]  # silence well past the timeout
    failure, reply = await run(api, history, stream_reply(pieces), timeout=0.75)
    assert failure.kind == "stall"
    assert "stalled" in failure.message and "partial reply is kept" in failure.message
    assert reply.status is Status.ERROR
    assert reply.content == [{"type": "text", "text": PARTIAL_TEXT}]


async def test_error_event_mid_stream_keeps_partial_text(api, history):
    from claude_textual.core.loopback import sse

    error = sse("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    pieces = [message_start(), *text_block(0, PARTIAL), error]
    failure, reply = await run(api, history, stream_reply(pieces))
    assert failure.kind == "stream_error" and "overloaded_error" in failure.message
    assert reply.status is Status.ERROR
    assert reply.content == [{"type": "text", "text": PARTIAL_TEXT}]
