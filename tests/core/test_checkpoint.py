"""A reply is saved while it streams, visible to another connection, and kept when the turn is cancelled."""

from __future__ import annotations

import asyncio
import contextlib

from claude_textual.config import Settings
from claude_textual.core.client import make_client
from claude_textual.core.model import Status, user_text_message
from claude_textual.core.stream import BlockDelta
from claude_textual.core.turn import ReplyClosed, ReplyEvent, Turn
from claude_textual.store.history import History
from tests.core._streams import stream_reply, text_reply

WORDS = [f"word{i} " for i in range(30)]
FULL = "".join(WORDS)


def make_turn(api, history, pieces, *, interval=0.2):
    settings = Settings(model="claude-test", max_retries=0, timeout=20.0, thinking="off")
    api.then(stream_reply(pieces))
    conversation = history.create_conversation("t", settings.model)
    client = make_client(settings, api_key="sk-test", base_url=api.url)
    turn = Turn(history, conversation.id, settings, client)
    turn.checkpoint_interval = interval
    return conversation, turn


async def test_streaming_reply_is_checkpointed_and_visible_to_another_reader(api, history, db_path):
    conversation, turn = make_turn(api, history, text_reply(WORDS, pause=0.05))
    reader = History(db_path)
    try:
        seen: list[tuple[Status, str]] = []
        received = ""
        async for event in turn.run(user_text_message("tell me slowly")):
            if isinstance(event, ReplyEvent) and isinstance(event.event, BlockDelta):
                received += event.event.text
                messages = reader.load_messages(conversation.id)
                assert len(messages) == 2
                stored = messages[1]
                seen.append((stored.status, stored.text()))
                assert received.startswith(stored.text())  # never ahead of the stream, never garbled
            if isinstance(event, ReplyClosed):
                assert event.failure is None
        assert received == FULL
        assert all(status is Status.STREAMING for status, _ in seen)
        lengths = [len(text) for _, text in seen]
        assert lengths == sorted(lengths), "the stored partial text only grows"
        distinct = sorted(set(lengths))
        # ~1.5 s of streaming at one checkpoint per 0.2 s: several distinct partial states, none of them final
        assert len(distinct) >= 4, distinct
        assert any(0 < n < len(FULL) for n in distinct)
        # and not one write per delta either
        assert len(distinct) < len(WORDS)

        final = reader.load_messages(conversation.id)[1]
        assert final.status is Status.COMPLETE and final.text() == FULL and final.stop_reason == "end_turn"
        assert final.error is None and final.usage is not None
    finally:
        reader.close()


async def test_checkpoint_interval_bounds_the_writes(api, history, db_path, monkeypatch):
    conversation, turn = make_turn(api, history, text_reply(WORDS, pause=0.02), interval=10.0)
    writes: list[str] = []
    original = history.save_reply

    def counting(message, api_message, **kwargs):
        writes.append(kwargs["status"].value)
        return original(message, api_message, **kwargs)

    monkeypatch.setattr(history, "save_reply", counting)
    [e async for e in turn.run(user_text_message("x"))]
    # a stream far shorter than the interval: one checkpoint as content starts (so a crash keeps
    # something), none after it, then the final save
    assert writes == ["streaming", "complete"]


async def test_cancelled_turn_keeps_text_received_so_far(api, history):
    conversation, turn = make_turn(api, history, text_reply(WORDS, pause=0.05))
    received: list[str] = []
    enough = asyncio.Event()

    async def consume():
        async for event in turn.run(user_text_message("tell me slowly")):
            if isinstance(event, ReplyEvent) and isinstance(event.event, BlockDelta):
                received.append(event.event.text)
                if len(received) == 5:
                    enough.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(enough.wait(), 10)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert task.cancelled()

    user, reply = history.load_messages(conversation.id)
    assert user.content == [{"type": "text", "text": "tell me slowly"}]
    assert reply.status is Status.INTERRUPTED
    assert reply.text() == "".join(received)
    assert 5 <= len(received) < len(WORDS)
    assert reply.error and "Stopped" in reply.error
    assert reply.stop_reason is None and reply.api_id == "msg_test_1"
    assert len(api.requests) == 1


async def test_abandoned_turn_generator_keeps_text_received_so_far(api, history):
    """The consumer stops iterating and closes the generator (what a UI does when it stops a reply)."""
    conversation, turn = make_turn(api, history, text_reply(WORDS, pause=0.05))
    received = ""
    events = turn.run(user_text_message("tell me slowly"))
    async for event in events:
        if isinstance(event, ReplyEvent) and isinstance(event.event, BlockDelta):
            received += event.event.text
            if received.count("word") == 4:
                break
    await events.aclose()
    reply = history.load_messages(conversation.id)[1]
    assert reply.status is Status.INTERRUPTED
    assert reply.text() == received == "".join(WORDS[:4])


async def test_a_second_cancel_while_a_checkpoint_is_written_still_saves_the_reply(api, history, monkeypatch):
    """Quitting cancels the turn, and the app's shutdown may cancel it again while the last checkpoint
    is still being written: the final save must happen all the same (the reply never stays 'streaming')."""
    import threading

    conversation, turn = make_turn(api, history, text_reply(WORDS, pause=0.05))
    entered, release = threading.Event(), threading.Event()
    original = history.save_reply

    def held(message, api_message, **kwargs):
        if kwargs["status"] is Status.STREAMING and not release.is_set():
            entered.set()
            release.wait(30)
        return original(message, api_message, **kwargs)

    monkeypatch.setattr(history, "save_reply", held)
    settling = asyncio.Event()
    settle = turn._settle_checkpoint

    async def settle_seen() -> None:
        settling.set()
        await settle()

    monkeypatch.setattr(turn, "_settle_checkpoint", settle_seen)
    task = asyncio.create_task(drain_quietly(turn))
    assert await asyncio.to_thread(entered.wait, 30), "no checkpoint was written"
    task.cancel()  # Ctrl+Q: the reply stops while its checkpoint is held in the thread
    await asyncio.wait_for(settling.wait(), 30)
    task.cancel()  # the second cancel, as the turn waits for that checkpoint
    with contextlib.suppress(asyncio.CancelledError):
        await task
    release.set()
    assert turn.saving is not None, "the final save was never started"
    await asyncio.wait_for(asyncio.shield(turn.saving), 30)
    reply = history.load_messages(conversation.id)[1]
    assert reply.status is Status.INTERRUPTED


async def drain_quietly(turn: Turn) -> None:
    async for _ in turn.run(user_text_message("tell me slowly")):
        pass
