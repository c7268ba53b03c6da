"""The search index takes a reply once it settles: checkpoints of a streaming reply do not re-index it."""

from __future__ import annotations

from claude_textual.core.model import Message, Status, user_text_message


def streaming_reply(history):
    conversation = history.create_conversation("t", "m")
    history.add_message(conversation.id, user_text_message("hi"))
    reply = history.add_message(
        conversation.id, Message(role="assistant", content=[], status=Status.STREAMING)
    )
    saved = history.save_reply(
        reply, {"content": [{"type": "text", "text": "QUOKKAWORD half"}]}, status=Status.STREAMING
    )
    return reply, saved


def test_a_streaming_reply_is_indexed_when_it_completes(history):
    reply, saved = streaming_reply(history)
    assert history.search("QUOKKAWORD") == []
    history.save_reply(
        reply, {"content": [{"type": "text", "text": "QUOKKAWORD half"}]}, status=Status.COMPLETE, saved=saved
    )  # the same blocks: only the status changes
    assert [hit.message_id for hit in history.search("QUOKKAWORD")] == [reply.id]
    history.save_reply(
        reply, {"content": [{"type": "text", "text": "now WOMBATWORD"}]}, status=Status.COMPLETE, saved=saved
    )
    assert history.search("QUOKKAWORD") == []
    assert [hit.message_id for hit in history.search("WOMBATWORD")] == [reply.id]


def test_a_reply_left_streaming_by_a_crash_is_indexed_when_recovered(history):
    reply, _ = streaming_reply(history)
    assert history.mark_stale_streaming(older_than=0) == 1
    assert [hit.message_id for hit in history.search("QUOKKAWORD")] == [reply.id]
