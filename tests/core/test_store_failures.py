"""The disk fills up while a reply streams: the reply still arrives whole and is shown, nothing
raises, and the failure to save it is reported clearly. Real SDK, loopback server, real SQLite
(``PRAGMA max_page_count`` on every new connection stands in for a full disk)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import event
from sqlalchemy.pool import Pool

from claude_textual.config import Settings
from claude_textual.core.client import make_client
from claude_textual.core.model import Status, user_text_message
from claude_textual.core.stream import BlockDelta, ReplyStream
from claude_textual.core.turn import ReplyClosed, ReplyEvent, Turn
from claude_textual.store.history import History
from tests.core._streams import stream_reply, text_reply

PIECES = [f"piece {n:04d} " + "z" * 200 for n in range(300)]  # 62 kB: it needs pages the disk lacks
FULL_TEXT = "".join(PIECES)


@contextlib.contextmanager
def full_disk() -> Iterator[None]:
    def cap(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA max_page_count=1")  # the database may not grow past its size now

    event.listen(Pool, "connect", cap)
    try:
        yield
    finally:
        event.remove(Pool, "connect", cap)


async def test_disk_full_mid_reply_the_reply_is_shown_whole_and_the_failure_reported(api, history, db_path):
    settings = Settings(model="claude-test", max_retries=0, timeout=20.0, thinking="off")
    api.then(stream_reply(text_reply(PIECES)))
    conversation = history.create_conversation("t", settings.model)
    turn = Turn(
        history, conversation.id, settings, make_client(settings, api_key="sk-test", base_url=api.url)
    )
    turn.checkpoint_interval = 0  # a checkpoint on every event: many of them fail once the disk is full
    events = []
    with contextlib.ExitStack() as stack:
        async for item in turn.run(user_text_message("hi")):
            events.append(item)
            if (
                len(stack._exit_callbacks) == 0
                and isinstance(item, ReplyEvent)
                and isinstance(item.event, BlockDelta)
            ):
                stack.enter_context(full_disk())
                history.engine.dispose()  # the next connection is made with the cap

        shown = "".join(
            e.event.text for e in events if isinstance(e, ReplyEvent) and isinstance(e.event, BlockDelta)
        )
        assert shown == FULL_TEXT, "every piece that arrived reached the screen"
        closed = events[-1]
        assert isinstance(closed, ReplyClosed)
        failure = closed.not_saved
        assert closed.failure is None and failure is not None and turn.not_saved is failure
        assert "could not be saved" in failure.message and "is full" in failure.message
        assert str(db_path) in failure.message and "Free some space" in failure.message
        assert closed.message.text() == FULL_TEXT and closed.message.status is Status.COMPLETE
        assert closed.message.error == failure.message

    # room again: what the store holds is the prompt and the reply up to its last good checkpoint
    history.engine.dispose()
    user, reply = history.load_messages(conversation.id)
    assert user.text() == "hi"
    assert reply.status is Status.STREAMING  # the next start marks it interrupted (kept, not lost)
    assert FULL_TEXT.startswith(reply.text()) and len(reply.text()) < len(FULL_TEXT)
    assert len(api.requests) == 1


async def test_a_failing_checkpoint_does_not_stop_the_stream(api):
    settings = Settings(model="claude-test", max_retries=0, timeout=20.0, thinking="off")
    api.then(stream_reply(text_reply(PIECES[:20])))
    calls = []

    def checkpoint(partial):
        calls.append(partial)
        raise RuntimeError("disk on fire")

    client = make_client(settings, api_key="sk-test", base_url=api.url)
    stream = ReplyStream(client, {"model": "claude-test", "max_tokens": 10, "messages": []}, checkpoint, 0)
    texts = [e.text async for e in stream.events() if isinstance(e, BlockDelta)]
    assert "".join(texts) == "".join(PIECES[:20])
    assert len(calls) == 1 and isinstance(stream.checkpoint_error, RuntimeError)
    assert stream.outcome.status is Status.COMPLETE and stream.outcome.failure is None
    assert stream.outcome.message["content"][0]["text"] == "".join(PIECES[:20])


async def test_the_next_start_keeps_the_unsaved_reply_as_interrupted(api, history, db_path):
    """After the failure above the row is left 'streaming'; once it is stale it becomes interrupted."""
    conversation = history.create_conversation("t", "m")
    from claude_textual.core.model import Message

    reply = history.add_message(
        conversation.id, Message(role="assistant", content=[], status=Status.STREAMING)
    )
    history.save_reply(
        reply, {"content": [{"type": "text", "text": "up to the last checkpoint"}]}, status=Status.STREAMING
    )
    history.close()
    again = History(db_path)
    try:
        assert again.mark_stale_streaming(older_than=0) == 1
        [kept] = again.load_messages(conversation.id)
        assert kept.status is Status.INTERRUPTED and kept.text() == "up to the last checkpoint"
        # the final save failed with the app running (a full disk): the error does not say it stopped
        assert kept.error is not None and "could not write to the database" in kept.error
    finally:
        again.close()
