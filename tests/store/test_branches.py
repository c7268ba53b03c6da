"""Parent links and the current branch: what a conversation shows and sends is the path to its leaf."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

from claude_textual.core.model import Message, user_text_message
from claude_textual.store.history import History
from tests.store import _old_schema as old


def texts(messages: list[Message]) -> list[str]:
    return [m.text() for m in messages]


def reply(text: str) -> Message:
    return Message(role="assistant", content=[{"type": "text", "text": text}])


def test_messages_chain_to_the_leaf_and_a_new_parent_makes_a_branch(history):
    conversation = history.create_conversation("t", "m")
    first = history.add_message(conversation.id, user_text_message("q1"))
    answer = history.add_message(conversation.id, reply("a1"))
    assert (first.parent_id, answer.parent_id) == (None, first.id)
    history.add_message(conversation.id, user_text_message("q2"))
    assert texts(history.load_messages(conversation.id)) == ["q1", "a1", "q2"]

    edited = history.add_message(conversation.id, user_text_message("q2 edited"), parent_id=answer.id)
    assert edited.parent_id == answer.id
    assert history.get_conversation(conversation.id).leaf_id == edited.id
    assert texts(history.load_messages(conversation.id)) == ["q1", "a1", "q2 edited"]
    assert texts(history.load_messages(conversation.id, last=2)) == ["a1", "q2 edited"]
    assert texts(history.load_messages(conversation.id, last=5, before=edited.seq)) == ["q1", "a1"]

    history.set_leaf(conversation.id, answer.id)
    assert texts(history.load_messages(conversation.id)) == ["q1", "a1"]
    assert history.get_conversation(conversation.id).message_count == 4


def test_options_are_kept_per_conversation(history):
    conversation = history.create_conversation("t", "m")
    assert conversation.options == {}
    history.set_options(conversation.id, {"model": "claude-x", "thinking": "off"})
    assert history.get_conversation(conversation.id).options == {"model": "claude-x", "thinking": "off"}


def test_an_upgraded_database_makes_a_retried_reply_a_sibling_of_its_retry(tmp_path):
    db = tmp_path / "history.db"
    old.build_at(db, "0002")
    with closing(sqlite3.connect(db)) as conn, conn:  # the interrupted last reply was retried
        conn.execute("UPDATE message SET extra = ? WHERE id = ?", (json.dumps({"superseded": True}), old.message_id(3)))
        conn.execute("INSERT INTO message (id, conversation_id, seq, role, status, extra, created_at, updated_at) "
                     "VALUES ('retry', ?, 4, 'assistant', 'complete', '{}', ?, ?)", (old.CONVERSATION_ID, old.WHEN, old.WHEN))
        conn.execute("INSERT INTO block (message_id, idx, type, data) VALUES ('retry', 0, 'text', ?)",
                     (json.dumps({"type": "text", "text": "A whole reply"}),))
    history = History(db)
    try:
        messages = history.load_messages(old.CONVERSATION_ID)
        assert [m.id for m in messages] == [old.message_id(0), old.message_id(1), old.message_id(2), "retry"]
        assert messages[-1].parent_id == old.message_id(2)
        assert history.load_by_id([old.message_id(3)])[0].parent_id == old.message_id(2)  # its sibling
        assert history.get_conversation(old.CONVERSATION_ID).options == {}
    finally:
        history.close()


def test_import_keeps_parent_links_and_the_leaf(history):
    from claude_textual.core.model import Conversation

    q = user_text_message("q")
    q.id = "q"
    a1, a2 = reply("first"), reply("second")
    a1.id, a2.id = "a1", "a2"
    a2.parent_id = "q"
    conversation = Conversation(id="c" * 32, title="t", model="m", leaf_id="a1")
    assert history.import_conversation(conversation, [q, a1, a2])
    assert [m.id for m in history.load_messages(conversation.id)] == ["q", "a1"]
    history.set_leaf(conversation.id, "a2")
    assert [m.id for m in history.load_messages(conversation.id)] == ["q", "a2"]
