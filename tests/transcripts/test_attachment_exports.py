"""Attachments in every export: JSON keeps the files and imports back whole, HTML shows images inline,
Markdown names them; an import never takes a file that does not match its hash."""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

from claude_textual.core import attachments
from claude_textual.core.model import Message
from claude_textual.store.history import History
from claude_textual.transcripts.export import attached_files, render
from claude_textual.transcripts.importer import import_path
from tests.files import pdf, png


def conversation_with_files(history: History, tmp_path: Path) -> tuple[str, list[attachments.Attachment]]:
    files = [attachments.read(png(tmp_path / "chart.png")), attachments.read(pdf(tmp_path / "paper.pdf"))]
    history.put_files([(a.data, a.media_type) for a in files])
    conversation = history.create_conversation("with files", "claude-sonnet-5-5")
    history.add_message(conversation.id, attachments.prompt_message("what are these?", files))
    history.add_message(
        conversation.id, Message(role="assistant", content=[{"type": "text", "text": "A chart."}])
    )
    return conversation.id, files


def export(history: History, conversation_id: str, fmt: str) -> str:
    conversation = history.get_conversation(conversation_id)
    messages = history.load_messages(conversation_id)
    return render(fmt, conversation, messages, attached_files(history, messages))


def test_json_keeps_the_files_and_imports_back_exactly(history, tmp_path):
    conversation_id, files = conversation_with_files(history, tmp_path)
    text = export(history, conversation_id, "json")
    data = json.loads(text)
    assert {sha: base64.b64decode(f["data"]) for sha, f in data["files"].items()} == {
        a.sha256: a.data for a in files
    }
    path = tmp_path / "export.json"
    path.write_text(text)
    other = History(tmp_path / "other" / "history.db")
    try:
        assert import_path(other, path).imported == [conversation_id]
        assert export(other, conversation_id, "json") == text
        messages = other.load_messages(conversation_id)
        assert other.files([a.sha256 for a in files]) == {a.sha256: a.data for a in files}
        assert [b["type"] for b in messages[0].content] == ["image", "document", "text"]
    finally:
        other.close()


def test_an_import_whose_file_does_not_match_its_hash_keeps_no_file(history, tmp_path):
    conversation_id, files = conversation_with_files(history, tmp_path)
    data = json.loads(export(history, conversation_id, "json"))
    image_sha = files[0].sha256
    data["files"][image_sha]["data"] = base64.b64encode(b"\x89PNG\r\n\x1a\nsomething else").decode()
    data["files"][files[1].sha256]["media_type"] = "text/html"  # not a kind the app attaches
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(data))
    other_db = tmp_path / "other" / "history.db"
    other = History(other_db)
    try:
        assert import_path(other, path).imported == [conversation_id]
        content = other.load_messages(conversation_id)[0].content
        assert [b["type"] for b in content] == ["text", "text", "text"]
        assert "'chart.png' is not in the history" in content[0]["text"]
    finally:
        other.close()
    with sqlite3.connect(other_db) as db:
        assert db.execute("SELECT count(*) FROM attachment").fetchone() == (0,)


def test_html_shows_the_image_inline_and_markdown_names_both(history, tmp_path):
    conversation_id, files = conversation_with_files(history, tmp_path)
    html = export(history, conversation_id, "html")
    encoded = base64.b64encode(files[0].data).decode()
    assert f'<img src="data:image/png;base64,{encoded}"' in html and "img-src data:" in html
    assert "📎 paper.pdf · pdf ·" in html and "2 pages" in html
    markdown = export(history, conversation_id, "md")
    assert "**Attached:** 📎 chart.png · image · " in markdown and "64×48" in markdown
    assert "📎 paper.pdf · pdf · " in markdown
