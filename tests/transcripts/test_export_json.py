"""`claude-textual export`: the conversation as JSON, exact, private when written, inert on a terminal."""

from __future__ import annotations

import json
import re
import stat
from datetime import datetime

import pytest

from claude_textual.cli import main
from claude_textual.config import Settings
from claude_textual.core.client import make_client
from claude_textual.core.model import Message, Status, user_text_message
from claude_textual.core.turn import Turn, drain
from tests.conftest import fixture_reply

HOSTILE = "copy this \x1b]52;c;cm0gLXJmIH4vKg==\x07 and read \u202egnp.exe backwards\x9b2J"
RAW_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
async def stored(api, history):
    """A conversation with a real streamed reply (thinking + text, with usage) and a hand-made one."""
    settings = Settings(model="claude-test", max_retries=0, timeout=20.0, thinking="adaptive")
    api.then(fixture_reply("real_thinking_text.sse"))
    conversation = history.create_conversation("A title", settings.model)
    client = make_client(settings, api_key="sk-test", base_url=api.url)
    await drain(Turn(history, conversation.id, settings, client), user_text_message("Think, then answer."))
    return conversation


def export(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["export", *args])
    out, err = capsys.readouterr()
    return code, out, err


async def test_export_last_json_has_every_field(stored, history, db_path, capsys):
    code, out, err = export(capsys, "--last", "--format", "json", "--db", str(db_path))
    assert code == 0 and err == ""
    data = json.loads(out)
    assert {"id", "title", "model", "created_at", "messages"} <= set(data)
    assert data["id"] == stored.id and data["title"] == "A title" and data["model"] == "claude-test"
    datetime.fromisoformat(data["created_at"])

    messages = history.load_messages(stored.id)
    assert len(data["messages"]) == len(messages) == 2
    for exported, message in zip(data["messages"], messages, strict=False):
        assert {"role", "content", "stop_reason", "status", "model", "created_at", "usage"} <= set(exported)
        assert exported["role"] == message.role
        assert exported["content"] == message.content  # every block exactly as stored
        assert exported["status"] == message.status.value
        assert exported["stop_reason"] == message.stop_reason
        assert exported["model"] == message.model
        assert datetime.fromisoformat(exported["created_at"]) == message.created_at

    user, reply = data["messages"]
    assert user["content"] == [{"type": "text", "text": "Think, then answer."}] and user["usage"] is None
    assert [b["type"] for b in reply["content"]] == ["thinking", "text"]
    assert reply["content"][0]["signature"] and reply["content"][0]["thinking"]
    assert reply["status"] == "complete" and reply["stop_reason"] == "end_turn"
    assert reply["usage"]["input_tokens"] == 43 and reply["usage"]["output_tokens"] == 282
    assert reply["usage"]["request_id"] and reply["usage"]["duration_ms"] is not None


async def test_export_by_id_and_prefix_equal_export_last(stored, db_path, capsys):
    _, last, _ = export(capsys, "--last", "--db", str(db_path))
    code, by_id, _ = export(capsys, stored.id, "--db", str(db_path))
    assert code == 0 and by_id == last
    assert main(["--db", str(db_path), "export", stored.id[:8]]) == 0  # --db before the subcommand too
    assert capsys.readouterr().out == last


async def test_export_picks_the_named_conversation(stored, history, db_path, capsys):
    other = history.create_conversation("Other", "m2")
    history.add_message(other.id, user_text_message("other one"))
    code, out, _ = export(capsys, stored.id, "--db", str(db_path))
    assert code == 0 and json.loads(out)["id"] == stored.id
    code, out, _ = export(capsys, "--last", "--db", str(db_path))
    assert json.loads(out)["title"] == "Other"


def test_export_of_hostile_text_is_inert_but_exact(history, db_path, capsys):
    conversation = history.create_conversation(f"title {HOSTILE}", "m")
    history.add_message(conversation.id, user_text_message(HOSTILE))
    history.add_message(
        conversation.id,
        Message(
            role="assistant", content=[{"type": "text", "text": HOSTILE}], status=Status.ERROR, error=HOSTILE
        ),
    )
    code, out, _ = export(capsys, "--last", "--db", str(db_path))
    assert code == 0
    raw = RAW_UNSAFE.search(out.replace("\n", ""))
    assert raw is None, "raw control or bidi characters reached the terminal"
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out and "\x9b" not in out
    data = json.loads(out)
    assert data["title"] == f"title {HOSTILE}"
    assert data["messages"][0]["content"][0]["text"] == HOSTILE
    assert data["messages"][1]["content"] == [{"type": "text", "text": HOSTILE}]
    assert data["messages"][1]["error"] == HOSTILE


def test_export_keeps_unicode_readable(history, db_path, capsys):
    text = "emoji 🎉, CJK 漢字, Arabic مرحبا, tab\tand\nnewline"
    conversation = history.create_conversation("u", "m")
    history.add_message(conversation.id, user_text_message(text))
    _, out, _ = export(capsys, conversation.id, "--db", str(db_path))
    assert "🎉" in out and "漢字" in out and "مرحبا" in out  # not \u-escaped
    assert json.loads(out)["messages"][0]["content"][0]["text"] == text


async def test_export_to_file_is_private(stored, db_path, tmp_path, capsys):
    target = tmp_path / "out" / "conversation.json"
    code, out, err = export(capsys, "--last", "--db", str(db_path), "-o", str(target))
    assert code == 0 and out == "" and err == ""
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["id"] == stored.id
    _, printed, _ = export(capsys, "--last", "--db", str(db_path))
    assert target.read_text(encoding="utf-8") == printed


def test_unknown_id_fails_on_stderr(history, db_path, capsys):
    history.create_conversation("t", "m")
    code, out, err = export(capsys, "nosuchid", "--db", str(db_path))
    assert code == 1 and out == ""
    assert err.startswith("claude-textual: ") and "No conversation matches 'nosuchid'" in err


def test_last_on_empty_database_fails(history, db_path, capsys):
    code, out, err = export(capsys, "--last", "--db", str(db_path))
    assert code == 1 and out == "" and "no conversations yet" in err


def test_missing_database_fails_and_is_not_created(tmp_path, capsys):
    db = tmp_path / "nowhere" / "history.db"
    code, out, err = export(capsys, "--last", "--db", str(db))
    assert code == 1 and out == ""
    assert "no history database" in err and str(db) in err
    assert not db.exists() and not db.parent.exists()


def test_export_needs_exactly_one_of_id_and_last(db_path, capsys):
    for args in ([], ["abc", "--last"]):
        with pytest.raises(SystemExit) as exited:
            main(["export", *args, "--db", str(db_path)])
        assert exited.value.code == 2
        assert "conversation ID or --last" in capsys.readouterr().err
