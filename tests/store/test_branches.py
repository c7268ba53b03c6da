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
        conn.execute(
            "UPDATE message SET extra = ? WHERE id = ?", (json.dumps({"superseded": True}), old.message_id(3))
        )
        conn.execute(
            "INSERT INTO message (id, conversation_id, seq, role, status, extra, created_at, updated_at) "
            "VALUES ('retry', ?, 4, 'assistant', 'complete', '{}', ?, ?)",
            (old.CONVERSATION_ID, old.WHEN, old.WHEN),
        )
        conn.execute(
            "INSERT INTO block (message_id, idx, type, data) VALUES ('retry', 0, 'text', ?)",
            (json.dumps({"type": "text", "text": "A whole reply"}),),
        )
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


def tree(history):
    """q1 ─ a1 ─ q2 ─ a2          (a1b: a retry of a1; q2b: an edit of q2, answered by a2b)
    ├ a1b
    └ q2b ─ a2b
    """
    conversation = history.create_conversation("t", "m")
    made = {"q1": history.add_message(conversation.id, user_text_message("q1"))}
    made["a1"] = history.add_message(conversation.id, reply("a1"))
    made["q2"] = history.add_message(conversation.id, user_text_message("q2"))
    made["a2"] = history.add_message(conversation.id, reply("a2"))
    made["a1b"] = history.add_message(conversation.id, reply("a1b"), parent_id=made["q1"].id)
    made["q2b"] = history.add_message(conversation.id, user_text_message("q2b"), parent_id=made["a1"].id)
    made["a2b"] = history.add_message(conversation.id, reply("a2b"))
    return conversation, {name: m.id for name, m in made.items()}


def test_siblings_places_and_latest_leaf(history):
    conversation, ids = tree(history)
    assert history.siblings(ids["a1"]) == [ids["a1"], ids["a1b"]] == history.siblings(ids["a1b"])
    assert history.siblings(ids["q1"]) == [ids["q1"]] and history.siblings("nope") == []
    assert history.sibling_places(list(ids.values())) == {
        ids["a1"]: (1, 2),
        ids["a1b"]: (2, 2),
        ids["q2"]: (1, 2),
        ids["q2b"]: (2, 2),
    }
    assert history.latest_leaf(conversation.id, ids["a1"]) == ids["a2b"]  # the newest path under a1
    assert history.latest_leaf(conversation.id, ids["q2"]) == ids["a2"]
    assert history.latest_leaf(conversation.id, ids["a2"]) == ids["a2"]
    assert history.latest_leaf("other", ids["a1"]) is None


def test_first_messages_can_be_siblings(history):
    conversation = history.create_conversation("t", "m")
    first = history.add_message(conversation.id, user_text_message("one"))
    second = history.add_message(conversation.id, user_text_message("two"), parent_id=None)
    assert history.siblings(first.id) == [first.id, second.id]
    assert history.sibling_places([second.id]) == {second.id: (2, 2)}


def test_follow_switches_to_the_latest_branch_through_a_message(history):
    conversation, ids = tree(history)
    assert texts(history.load_messages(conversation.id)) == ["q1", "a1", "q2b", "a2b"]
    assert history.follow(conversation.id, ids["q2"]) == ids["a2"]
    assert texts(history.load_messages(conversation.id)) == ["q1", "a1", "q2", "a2"]
    assert history.get_conversation(conversation.id).leaf_id == ids["a2"]  # remembered
    history.follow(conversation.id, ids["a1b"])
    assert texts(history.load_messages(conversation.id)) == ["q1", "a1b"]
    assert history.follow(conversation.id, "nope") is None
    assert texts(history.load_messages(conversation.id)) == ["q1", "a1b"]


def test_windows_count_the_branch_not_the_conversation(history):
    conversation, ids = tree(history)  # the branch shown: q1 a1 q2b a2b (seqs 0 1 5 6)
    messages, earlier, later = history.load_window(conversation.id, 2)
    assert (texts(messages), earlier, later) == (["q2b", "a2b"], 2, 0)
    messages, earlier, later = history.load_window(conversation.id, 2, before=5)
    assert (texts(messages), earlier, later) == (["q1", "a1"], 0, 2)
    messages, earlier, later = history.load_window(conversation.id, 2, around=1)
    assert (texts(messages), earlier, later) == (["q1", "a1"], 0, 2)
    messages, earlier, later = history.load_window(conversation.id, 4, around=5)
    assert (texts(messages), earlier, later) == (["q1", "a1", "q2b", "a2b"], 0, 0)


def test_all_messages_holds_every_branch_in_order(history):
    conversation, ids = tree(history)
    assert texts(history.all_messages(conversation.id)) == ["q1", "a1", "q2", "a2", "a1b", "q2b", "a2b"]
