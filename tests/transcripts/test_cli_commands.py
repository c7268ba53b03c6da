"""`claude-textual list | search | export --format md|html | import`: the history from a plain shell."""

from __future__ import annotations

import json
import zipfile

import pytest

from claude_textual.cli import main
from claude_textual.core.model import Message, user_text_message
from claude_textual.store.history import History


@pytest.fixture
def filled(history):
    """Three conversations; the newest last; one with code, one with unicode."""
    ids = []
    for title, prompt, answer in [
        ("Weather talk", "what's the weather in Zürich?", "Sunny in Zürich, 21°C."),
        ("Code help", "fix foo.bar(baz)", "```python\nfoo.bar(baz=1)\n```"),
        ("日本語の会話", "東京の天気は?", "東京は晴れです。"),
    ]:
        conv = history.create_conversation(title, "claude-test")
        history.add_message(conv.id, user_text_message(prompt))
        history.add_message(conv.id, Message(role="assistant", content=[{"type": "text", "text": answer}]))
        ids.append(conv.id)
    return ids


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_plain_and_json(filled, db_path, capsys):
    code, out, _ = run(capsys, "list", "--db", str(db_path))
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == [i[:12] for i in reversed(filled)]
    assert "日本語の会話" in lines[0]
    code, out, _ = run(capsys, "list", "--json", "--limit", "2", "--db", str(db_path))
    data = json.loads(out)
    assert [c["id"] for c in data] == list(reversed(filled))[:2]
    assert data[0]["message_count"] == 2 and data[0]["title"] == "日本語の会話"


def test_list_views_follow_trash_and_archive(filled, history, db_path, capsys):
    history.trash(filled[0])
    history.set_archived(filled[1], True)

    def ids(view):
        return [
            c["id"]
            for c in json.loads(
                run(
                    capsys,
                    "list",
                    "--json",
                    "--view",
                    view,  # noqa: E731
                    "--db",
                    str(db_path),
                )[1]
            )
        ]

    assert ids("active") == [filled[2]]
    assert ids("archived") == [filled[1]]
    assert ids("trash") == [filled[0]]


@pytest.mark.parametrize(
    "query, conversation", [("Zürich", 0), ("foo.bar(baz", 1), ("東京", 2), ("sunny zürich", 0)]
)
def test_search_json(filled, db_path, capsys, query, conversation):
    code, out, _ = run(capsys, "search", query, "--json", "--db", str(db_path))
    assert code == 0
    hits = json.loads(out)
    assert hits and {h["conversation_id"] for h in hits} == {filled[conversation]}


def test_search_plain_and_no_match(filled, db_path, capsys):
    code, out, _ = run(capsys, "search", "weather", "--db", str(db_path))
    assert code == 0 and "Weather talk" in out and "«weather»" in out
    code, out, err = run(capsys, "search", "nothing-like-this", "--db", str(db_path))
    assert code == 1 and out == "" and "no matches" in err


@pytest.mark.parametrize("fmt, needle", [("md", "# Code help"), ("html", "<!DOCTYPE html>")])
def test_export_markdown_and_html(filled, db_path, capsys, tmp_path, fmt, needle):
    code, out, err = run(capsys, "export", filled[1], "--format", fmt, "--db", str(db_path))
    assert code == 0 and err == ""
    assert needle.lower() in out.lower() and "foo.bar(baz=1)" in out
    target = tmp_path / "out" / f"chat.{fmt}"
    code, out, _ = run(capsys, "export", "--last", "--format", fmt, "-o", str(target), "--db", str(db_path))
    assert code == 0 and out == "" and "東京" in target.read_text()
    assert target.stat().st_mode & 0o777 == 0o600


def test_json_export_imports_back_identically(filled, db_path, capsys, tmp_path):
    code, original, _ = run(capsys, "export", filled[2], "--format", "json", "--db", str(db_path))
    source = tmp_path / "one.json"
    source.write_text(original)
    other = tmp_path / "other.db"
    code, out, _ = run(capsys, "import", str(source), "--db", str(other))
    assert code == 0 and "1 imported" in out
    code, out, _ = run(capsys, "import", str(source), "--db", str(other))
    assert code == 0 and "0 imported" in out and "1 already present" in out
    assert History(other).count_conversations() == 1
    code, again, _ = run(capsys, "export", filled[2], "--format", "json", "--db", str(other))
    assert again == original


def test_import_claude_ai_zip(db_path, capsys, tmp_path):
    data = [
        {
            "uuid": "5f0c3d7e-1111-4222-8333-944455556666",
            "name": "From claude.ai",
            "created_at": "2025-01-02T03:04:05.000000Z",
            "updated_at": "2025-01-02T03:05:05.000000Z",
            "chat_messages": [
                {
                    "uuid": "aaaaaaaa-1111-4222-8333-944455556666",
                    "sender": "human",
                    "text": "Bonjour ☕",
                    "content": [{"type": "text", "text": "Bonjour ☕"}],
                    "created_at": "2025-01-02T03:04:05Z",
                    "attachments": [{"file_name": "notes.txt", "extracted_content": "attached words"}],
                    "files": [],
                },
                {
                    "uuid": "bbbbbbbb-1111-4222-8333-944455556666",
                    "sender": "assistant",
                    "text": "Salut !",
                    "content": [{"type": "text", "text": "Salut !"}],
                    "created_at": "2025-01-02T03:04:09Z",
                    "attachments": [],
                    "files": [],
                },
            ],
        }
    ]
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("conversations.json", json.dumps(data))
    code, out, _ = run(capsys, "import", str(archive), "--db", str(db_path))
    assert code == 0 and "1 imported" in out
    code, out, _ = run(capsys, "search", "attached words", "--json", "--db", str(db_path))
    assert json.loads(out)[0]["title"] == "From claude.ai"


def test_import_bad_file_fails_clearly(db_path, capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, out, err = run(capsys, "import", str(bad), "--db", str(db_path))
    assert code == 1 and "failed" in err and "Traceback" not in err


def test_export_shows_a_reply_left_streaming_by_a_dead_app_as_interrupted(
    history, db_path, capsys, monkeypatch
):
    """After a crash nobody opened the app again: the export still says how the reply ended, and a
    reply another live app is streaming right now (written within the threshold) is left alone."""
    from claude_textual.core.model import Status

    conversation = history.create_conversation("crash", "claude-test")
    history.add_message(conversation.id, user_text_message("q"))
    reply = history.add_message(
        conversation.id, Message(role="assistant", content=[], status=Status.STREAMING)
    )
    history.save_reply(
        reply,
        {"content": [{"type": "text", "text": "half"}], "model": "claude-test"},
        status=Status.STREAMING,
    )
    code, out, _ = run(capsys, "export", "--last", "--db", str(db_path))
    assert code == 0 and json.loads(out)["messages"][1]["status"] == "streaming"  # fresh: maybe alive
    monkeypatch.setenv("CLAUDE_TEXTUAL_STALE_SECONDS", "0")
    code, out, _ = run(capsys, "export", "--last", "--db", str(db_path))
    exported = json.loads(out)["messages"][1]
    assert code == 0 and exported["status"] == "interrupted"
    assert exported["content"] == [{"type": "text", "text": "half"}] and "checkpoint" in exported["error"]


def test_export_goes_on_when_the_database_cannot_be_written(history, db_path, capsys, monkeypatch):
    """Marking stale replies is a write: a read-only or locked database still exports, as it stands."""
    from claude_textual.core.model import Status
    from claude_textual.store.engine import StoreError

    conversation = history.create_conversation("ro", "claude-test")
    history.add_message(conversation.id, Message(role="assistant", content=[], status=Status.STREAMING))

    def refuse(self, older_than=None):
        raise StoreError("attempt to write a readonly database", "readonly")

    monkeypatch.setattr(History, "mark_stale_streaming", refuse)
    code, out, err = run(capsys, "export", "--last", "--db", str(db_path))
    assert code == 0, err
    assert json.loads(out)["messages"][0]["status"] == "streaming"
