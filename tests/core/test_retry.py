"""Retries of a request that failed before any reply arrived: visible, capped, one reply row, through the real SDK."""

from __future__ import annotations

import asyncio
import time

import pytest

from claude_textual.config import Settings
from claude_textual.core.client import make_client
from claude_textual.core.loopback import DROP, Reply
from claude_textual.core.model import Status, user_text_message
from claude_textual.core.retries import duration
from claude_textual.core.turn import ReplyClosed, ReplyOpened, Turn, Waiting, drain
from claude_textual.store.history import History
from tests.core._streams import message_start, stream_reply, text_block, text_reply

ANSWER = ["All ", "good ", "now."]


def ok() -> Reply:
    return stream_reply(text_reply(ANSWER))


def limited(after: str | None = None) -> Reply:
    headers = {"retry-after": after} if after is not None else {}
    return Reply.error(
        429, "rate_limit_error", "Number of request tokens has exceeded your rate limit.", **headers
    )


def overloaded() -> Reply:
    return Reply.error(529, "overloaded_error", "Overloaded")


def make_turn(api, history, *replies, max_retries=2, retry_cap=30.0):
    settings = Settings(
        model="claude-test", max_retries=max_retries, retry_cap=retry_cap, timeout=20.0, thinking="off"
    )
    api.then(*replies)
    conversation = history.create_conversation("t", settings.model)
    return Turn(
        history, conversation.id, settings, make_client(settings, api_key="sk-test", base_url=api.url)
    )


def waits(events) -> list[tuple[int, int, int, str]]:
    return [(e.seconds, e.attempt, e.retries, e.reason) for e in events if isinstance(e, Waiting)]


def one_reply(history, turn):
    user, reply = history.load_messages(turn.conversation_id)  # one row per reply the user sees
    assert user.role == "user" and reply.role == "assistant"
    return reply


async def test_429_with_retry_after_waits_then_succeeds(api, history):
    turn = make_turn(api, history, limited("1"), ok())
    started = time.monotonic()
    events = await drain(turn, user_text_message("hi"))
    elapsed = time.monotonic() - started
    assert len(api.requests) == 2
    assert api.requests[0].body == api.requests[1].body, "the retry sends the same request"
    assert waits(events) == [(1, 1, 2, "rate limited"), (0, 1, 2, "rate limited")]
    assert elapsed >= 0.9  # it waited the second the API asked for (the countdown above says how long)
    assert sum(isinstance(e, ReplyOpened) for e in events) == 1
    closed = events[-1]
    assert isinstance(closed, ReplyClosed) and closed.failure is None
    reply = one_reply(history, turn)
    assert reply.status is Status.COMPLETE and reply.text() == "".join(ANSWER) and reply.error is None
    [attempt] = reply.extra["attempts"]
    assert attempt["status"] == 429 and attempt["kind"] == "rate_limit_error"
    assert attempt["retry_after"] == 1 and attempt["waited"] == 1
    assert "Rate limited (429)" in attempt["error"] and attempt["request_id"] == "req_loopback_1"
    assert reply.usage is not None and reply.usage.request_id == "req_loopback_2"


async def test_retry_after_beyond_the_cap_fails_at_once(api, history):
    turn = make_turn(api, history, limited("3600"), ok())
    events = await drain(turn, user_text_message("hi"))
    assert len(api.requests) == 1 and waits(events) == [], "no waiting at all"
    failure = events[-1].failure
    assert failure.status == 429 and failure.retry_after == 3600
    assert "1 h" in failure.message and "3600 s" in failure.message and "retry_cap (30 s)" in failure.message
    reply = one_reply(history, turn)
    assert reply.status is Status.ERROR and reply.error == failure.message
    assert "attempts" not in reply.extra, "one attempt: the error says it all"
    api.queue.clear()


async def test_529_twice_then_success_backs_off_1_then_2_seconds(api, history):
    turn = make_turn(api, history, overloaded(), overloaded(), ok(), max_retries=2)
    events = await drain(turn, user_text_message("hi"))
    assert len(api.requests) == 3
    assert waits(events) == [
        (1, 1, 2, "overloaded"),
        (0, 1, 2, "overloaded"),
        (2, 2, 2, "overloaded"),
        (1, 2, 2, "overloaded"),
        (0, 2, 2, "overloaded"),
    ]
    reply = one_reply(history, turn)
    assert reply.status is Status.COMPLETE and reply.text() == "".join(ANSWER)
    (first, second) = reply.extra["attempts"]
    assert (first["status"], second["status"]) == (529, 529)
    assert 0.75 <= first["waited"] <= 1 and 1.5 <= second["waited"] <= 2  # backoff less up to a quarter


async def test_jitter_takes_up_to_a_quarter_off_the_backoff(api, history):
    turn = make_turn(api, history, overloaded(), ok(), max_retries=1)
    turn.jitter = lambda: 1.0
    await drain(turn, user_text_message("hi"))
    assert [a["waited"] for a in one_reply(history, turn).extra["attempts"]] == [0.75]


@pytest.mark.parametrize(
    ("headers", "waited"),
    [({"retry-after-ms": "250"}, 0.25), ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0)],
)
async def test_retry_after_ms_and_an_http_date_are_read(api, history, headers, waited):
    turn = make_turn(
        api, history, Reply.error(429, "rate_limit_error", "slow down", **headers), ok(), max_retries=1
    )
    await drain(turn, user_text_message("hi"))
    assert [a["waited"] for a in one_reply(history, turn).extra["attempts"]] == [waited]


@pytest.mark.parametrize(
    ("status", "should", "requests"), [(408, None, 2), (409, None, 2), (529, "false", 1), (400, "true", 2)]
)
async def test_408_409_and_x_should_retry_are_honoured(api, history, status, should, requests):
    headers = {"x-should-retry": should} if should else {}
    turn = make_turn(api, history, Reply.error(status, "error", "hm", **headers), ok(), max_retries=1)
    turn.jitter = lambda: 1.0
    await drain(turn, user_text_message("hi"))
    assert len(api.requests) == requests
    api.queue.clear()


async def test_exhausted_retries_end_in_error_with_the_last_error(api, history):
    turn = make_turn(
        api,
        history,
        Reply.error(503, "api_error", "unavailable"),
        Reply.error(500, "api_error", "Internal server error"),
        ok(),
        max_retries=1,
        retry_cap=0.2,
    )
    events = await drain(turn, user_text_message("hi"))
    assert len(api.requests) == 2
    assert waits(events) == [(1, 1, 1, "server error 503"), (0, 1, 1, "server error 503")]
    failure = events[-1].failure
    assert failure.status == 500 and "internal error (500)" in failure.message
    assert "failed 2 times" in failure.message
    reply = one_reply(history, turn)
    assert reply.status is Status.ERROR and reply.error == failure.message and reply.content == []
    assert [(a["status"], a.get("waited")) for a in reply.extra["attempts"]] == [(503, 0.2), (500, None)]
    api.queue.clear()


async def test_connection_dropped_before_the_reply_is_retried(api, history):
    turn = make_turn(api, history, Reply(200, [DROP]), ok(), retry_cap=0.1)
    events = await drain(turn, user_text_message("hi"))
    assert len(api.requests) == 2
    assert waits(events)[0][3] == "connection lost"
    reply = one_reply(history, turn)
    assert reply.status is Status.COMPLETE and reply.extra["attempts"][0]["kind"] == "dropped"


async def test_no_connection_at_all_is_retried_then_reported(history):
    """Nothing listens on the port: each attempt fails to connect; the last error is the reply's."""
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago, now closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(model="claude-test", max_retries=2, retry_cap=0.1, timeout=5.0, thinking="off")
    conversation = history.create_conversation("t", settings.model)
    client = make_client(settings, api_key="sk-test", base_url=f"http://127.0.0.1:{port}")
    turn = Turn(history, conversation.id, settings, client)
    events = await drain(turn, user_text_message("hi"))
    assert [w[1:] for w in waits(events) if w[0]] == [(1, 2, "no connection"), (2, 2, "no connection")]
    failure = events[-1].failure
    assert failure.kind == "connection" and "Cannot reach the API" in failure.message
    assert "failed 3 times" in failure.message
    reply = one_reply(history, turn)
    assert reply.status is Status.ERROR and [a["kind"] for a in reply.extra["attempts"]] == ["connection"] * 3


async def test_failure_after_content_arrived_is_not_retried(api, history):
    turn = make_turn(api, history, stream_reply([message_start(), *text_block(0, ["Hel", "lo"]), DROP]), ok())
    events = await drain(turn, user_text_message("hi"))
    assert len(api.requests) == 1 and waits(events) == []
    reply = one_reply(history, turn)
    assert reply.status is Status.ERROR and reply.text() == "Hello" and "attempts" not in reply.extra
    api.queue.clear()


async def test_errors_that_a_retry_cannot_fix_are_not_retried(api, history):
    turn = make_turn(api, history, Reply.error(400, "invalid_request_error", "bad"), ok())
    events = await drain(turn, user_text_message("hi"))
    assert len(api.requests) == 1 and waits(events) == []
    assert events[-1].failure.status == 400
    api.queue.clear()


async def test_429_then_a_different_error_keeps_both_attempts(api, history):
    turn = make_turn(
        api, history, limited("0.1"), Reply.error(401, "authentication_error", "invalid x-api-key")
    )
    events = await drain(turn, user_text_message("hi"))
    assert len(api.requests) == 2
    reply = one_reply(history, turn)
    assert events[-1].failure.status == 401
    assert [a["status"] for a in reply.extra["attempts"]] == [429, 401]


async def test_stopping_during_the_wait_makes_no_more_requests(api, history):
    turn = make_turn(api, history, limited("20"), ok())
    seen: list[object] = []
    waiting = asyncio.Event()

    async def consume():
        async for event in turn.run(user_text_message("hi")):
            seen.append(event)
            if isinstance(event, Waiting):
                waiting.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(waiting.wait(), 10)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await asyncio.sleep(0.2)
    assert len(api.requests) == 1
    assert waits(seen) == [(20, 1, 2, "rate limited")]
    reply = one_reply(history, turn)
    assert reply.status is Status.INTERRUPTED and "waiting to retry" in reply.error
    assert [a["waited"] for a in reply.extra["attempts"]] == [20]
    api.queue.clear()


async def test_closing_the_turn_during_the_wait_closes_the_reply(api, history):
    turn = make_turn(api, history, limited("20"), ok())
    events = turn.run(user_text_message("hi"))
    async for event in events:
        if isinstance(event, Waiting):
            break
    await events.aclose()
    reply = one_reply(history, turn)
    assert reply.status is Status.INTERRUPTED and len(api.requests) == 1
    api.queue.clear()


async def test_heartbeat_keeps_a_silent_reply_from_looking_dead(api, history, db_path, monkeypatch):
    """Before the first byte nothing is checkpointed; the heartbeat still marks the row alive, so a
    second app process opening the database does not mark it interrupted."""
    import claude_textual.core.turn as turn_module

    monkeypatch.setattr(turn_module, "HEARTBEAT_SECONDS", 0.1)
    turn = make_turn(api, history, stream_reply([2.0, *text_reply(ANSWER)]))
    other = History(db_path)
    task = asyncio.create_task(drain(turn, user_text_message("hi")))
    try:
        while not api.requests:
            await asyncio.sleep(0.02)
        marked = []
        for _ in range(15):  # 1.5 s of silence; idle past 0.8 s means dead, 8 heartbeats of margin
            await asyncio.sleep(0.1)
            marked.append(other.mark_stale_streaming(older_than=0.8))
        assert marked == [0] * 15
        events = await task
    finally:
        other.close()
    assert events[-1].failure is None and one_reply(history, turn).status is Status.COMPLETE


def test_duration_words():
    assert [duration(s) for s in (7, 59.5, 90, 600, 3600, 5400, 86400)] == [
        "7 s",
        "59.5 s",
        "90 s",
        "10 min",
        "1 h",
        "1.5 h",
        "24 h",
    ]
