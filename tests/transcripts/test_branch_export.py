"""Export shows the current branch; ``--all-branches`` JSON carries every branch and imports back whole."""

from __future__ import annotations

import json

import pytest

from claude_textual.cli import main
from claude_textual.core.model import Message, user_text_message
from claude_textual.store.history import History


def reply(text: str) -> Message:
    return Message(role="assistant", content=[{"type": "text", "text": text}])


@pytest.fixture
def branched(history):
    """q1 ─ a1-old             the branch shown: q1 ─ a1-new ─ q2-edited ─ a2-edited
    └ a1-new ─ q2-old ─ a2-old
             └ q2-edited ─ a2-edited
    """
    conversation = history.create_conversation("Branches", "claude-test")
    q1 = history.add_message(conversation.id, user_text_message("q1"))
    history.add_message(conversation.id, reply("a1-old"))
    a1 = history.add_message(conversation.id, reply("a1-new"), parent_id=q1.id)
    history.add_message(conversation.id, user_text_message("q2-old"))
    history.add_message(conversation.id, reply("a2-old"))
    history.add_message(conversation.id, user_text_message("q2-edited"), parent_id=a1.id)
    history.add_message(conversation.id, reply("a2-edited"))
    return conversation.id


SHOWN = ["q1", "a1-new", "q2-edited", "a2-edited"]
HIDDEN = ["a1-old", "q2-old", "a2-old"]


def export(capsys, db, *args: str) -> str:
    assert main(["export", "--last", "--db", str(db), *args]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_markdown_and_html_show_only_the_current_branch(branched, db_path, capsys, fmt):
    text = export(capsys, db_path, "--format", fmt)
    assert all(t in text for t in SHOWN)
    assert not any(t in text for t in HIDDEN)


def test_json_carries_parent_links_and_the_leaf(branched, history, db_path, capsys):
    data = json.loads(export(capsys, db_path, "--format", "json"))
    messages = data["messages"]
    assert [m["content"][0]["text"] for m in messages] == SHOWN
    assert [m["parent_id"] for m in messages] == [None] + [m["id"] for m in messages[:-1]]
    assert data["leaf_id"] == messages[-1]["id"] == history.get_conversation(branched).leaf_id


def test_all_branches_json_imports_back_byte_identical(branched, history, db_path, tmp_path, capsys):
    everything = export(capsys, db_path, "--all-branches")
    assert [m["content"][0]["text"] for m in json.loads(everything)["messages"]] == [
        "q1",
        "a1-old",
        "a1-new",
        "q2-old",
        "a2-old",
        "q2-edited",
        "a2-edited",
    ]
    path, fresh = tmp_path / "all.json", tmp_path / "fresh" / "history.db"
    path.write_text(everything, encoding="utf-8")
    History(fresh).close()
    assert main(["import", str(path), "--db", str(fresh)]) == 0
    capsys.readouterr()
    assert export(capsys, fresh, "--all-branches") == everything
    assert export(capsys, fresh, "--format", "md") == export(capsys, db_path, "--format", "md")

    imported = History(fresh)
    try:
        old = next(m for m in imported.all_messages(branched) if m.text() == "q2-old")
        imported.follow(branched, old.id)  # the other branches came back as branches
        assert [m.text() for m in imported.load_messages(branched)] == ["q1", "a1-new", "q2-old", "a2-old"]
    finally:
        imported.close()


def test_all_branches_is_for_json_only(branched, db_path, capsys):
    with pytest.raises(SystemExit):
        main(["export", "--last", "--all-branches", "--format", "md", "--db", str(db_path)])
    assert "--all-branches is for --format json" in capsys.readouterr().err
