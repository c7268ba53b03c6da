"""Import: our JSON export comes back byte for byte; claude.ai exports come in; bad input fails clearly."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from claude_textual.core.model import Message, Status
from claude_textual.store.history import History
from claude_textual.transcripts.export import to_json
from claude_textual.transcripts.html import to_html
from claude_textual.transcripts.importer import ImportReport, import_path
from claude_textual.transcripts.markdown import to_markdown
from tests.transcripts._convos import HOSTILE, hand_built, load, web_search_conversation


@pytest.fixture
def fresh(tmp_path: Path):
    store = History(tmp_path / "other" / "history.db")
    yield store
    store.close()


def all_conversations(history: History) -> int:
    return sum(history.count_conversations(view) for view in ("active", "archived", "trash"))


def export_text(history: History, conversation_id: str) -> str:
    return to_json(history.get_conversation(conversation_id), history.load_messages(conversation_id))


# our JSON export --------------------------------------------------------------------------------
async def test_json_round_trip_is_byte_identical(api, history, fresh, tmp_path):
    searched = await web_search_conversation(api, history)
    everything = hand_built(history)
    history.set_archived(everything.id, True)
    for conversation in (searched, everything):
        original = export_text(history, conversation.id)
        path = tmp_path / f"{conversation.id}.json"
        path.write_text(original, encoding="utf-8")
        report = import_path(fresh, path)
        assert report == ImportReport(imported=[conversation.id])
        assert export_text(fresh, conversation.id) == original
        # against the source of truth, not the export: every message as stored, every block, tool
        # result, usage and retry attempt (a field the export dropped would be missing on both exports)
        assert fresh.all_messages(conversation.id) == history.all_messages(conversation.id)
    assert fresh.count_conversations("archived") == 1 and fresh.count_conversations() == 1
    kept = fresh.all_messages(everything.id)
    assert any(b["type"] == "tool_result" for m in kept for b in m.content)
    assert any(m.extra.get("attempts") for m in kept), "retry attempts came back"

    # everything a reply carries survived, typed as before
    reply = fresh.load_messages(searched.id)[1]
    before = history.load_messages(searched.id)[1]
    assert reply == before
    assert reply.usage.raw["server_tool_use"]["web_search_requests"] == 2 and reply.usage.request_id
    assert isinstance(reply.usage.created_at, datetime) and reply.usage.created_at.tzinfo is not None
    statuses = [m.status for m in fresh.load_messages(everything.id)]
    assert statuses[-2:] == [Status.INTERRUPTED, Status.ERROR]
    assert fresh.load_messages(everything.id)[0].text().startswith("Hello <script>")
    assert HOSTILE in fresh.get_conversation(everything.id).title
    assert fresh.get_conversation(everything.id).system == history.get_conversation(everything.id).system
    assert fresh.get_conversation(everything.id).message_count == 6


async def test_list_of_exports_and_second_import_skipped(api, history, fresh, tmp_path):
    ids = [(await web_search_conversation(api, history)).id, hand_built(history).id]
    path = tmp_path / "all.json"
    path.write_text("[" + ",".join(export_text(history, i) for i in ids) + "]", encoding="utf-8")
    first = import_path(fresh, path)
    assert first.imported == ids and first.skipped == [] and first.failed == []
    assert all_conversations(fresh) == 2
    second = import_path(fresh, path)
    assert second.imported == [] and second.skipped == ids and second.ok
    assert second.summary() == "0 imported, 2 already present"
    assert all_conversations(fresh) == 2
    assert sum(len(fresh.load_messages(i)) for i in ids) == 2 + 6  # no duplicated messages either
    for i in ids:
        assert export_text(fresh, i) == export_text(history, i)


def test_import_into_the_same_database_is_skipped(history, tmp_path):
    conversation = hand_built(history)
    path = tmp_path / "one.json"
    path.write_text(export_text(history, conversation.id), encoding="utf-8")
    assert import_path(history, path).skipped == [conversation.id]
    assert all_conversations(history) == 1 and len(history.load_messages(conversation.id)) == 6


# claude.ai ---------------------------------------------------------------------------------------
UUID_A = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
UUID_B = "6fa459ea-ee8a-3ca4-894e-db77e160355e"


def claude_ai_export() -> list[dict]:
    """Two conversations in the claude.ai data export's format (conversations.json)."""
    return [
        {
            "uuid": UUID_A,
            "name": "Résumé help ✍️",
            "summary": "",
            "created_at": "2025-03-01T10:00:00.123456Z",
            "updated_at": "2025-03-01T10:05:00Z",
            "account": {"uuid": "acct"},
            "chat_messages": [
                {
                    "uuid": "a0000000-0000-4000-8000-000000000001",
                    "sender": "human",
                    "text": "Please improve my CV — 日本語 too",
                    "content": [
                        {
                            "type": "text",
                            "text": "Please improve my CV — 日本語 too",
                            "start_timestamp": "2025-03-01T10:00:01Z",
                            "stop_timestamp": "2025-03-01T10:00:01Z",
                            "citations": [],
                        }
                    ],
                    "created_at": "2025-03-01T10:00:01Z",
                    "updated_at": "2025-03-01T10:00:01Z",
                    "attachments": [
                        {
                            "file_name": "cv.txt",
                            "file_size": 24,
                            "file_type": "text/plain",
                            "extracted_content": "Jane Doe\nEngineer 🚀",
                        }
                    ],
                    "files": [{"file_name": "photo.png"}],
                },
                {
                    "uuid": "a0000000-0000-4000-8000-000000000002",
                    "sender": "assistant",
                    "text": "Here is a better version.",
                    "content": [
                        {
                            "type": "thinking",
                            "thinking": "The CV needs a summary…",
                            "summaries": [{"summary": "s"}],
                            "cut_off": False,
                            "start_timestamp": "2025-03-01T10:00:02Z",
                        },
                        {
                            "type": "text",
                            "text": "Here is a better version: **Jane Doe**, Ingénieure.",
                            "citations": [],
                        },
                    ],
                    "created_at": "2025-03-01T10:00:05.5Z",
                    "updated_at": "2025-03-01T10:00:06Z",
                    "attachments": [],
                    "files": [],
                },
            ],
        },
        {
            "uuid": UUID_B,
            "name": "",
            "created_at": "2025-03-02T08:00:00Z",
            "updated_at": "2025-03-02T08:01:00Z",
            "chat_messages": [
                {
                    "uuid": "b0000000-0000-4000-8000-000000000001",
                    "sender": "human",
                    "text": "What's the weather in Zürich?\nThanks",
                    "content": [],
                    "created_at": "2025-03-02T08:00:00Z",
                    "updated_at": "2025-03-02T08:00:00Z",
                    "attachments": [],
                    "files": [],
                },
                {
                    "uuid": "b0000000-0000-4000-8000-000000000002",
                    "sender": "assistant",
                    "text": "",
                    "content": [
                        {"type": "tool_use", "name": "web_search", "input": {"query": "Zürich weather"}},
                        {
                            "type": "tool_result",
                            "name": "web_search",
                            "content": [
                                {
                                    "type": "knowledge",
                                    "title": "Zürich",
                                    "url": "https://weather.example/zurich",
                                }
                            ],
                            "is_error": False,
                        },
                        {
                            "type": "text",
                            "text": "It is 12 °C.",
                            "citations": [
                                {
                                    "uuid": "c1",
                                    "start_index": 0,
                                    "end_index": 11,
                                    "details": {
                                        "type": "web_search_citation",
                                        "url": "https://weather.example/zurich",
                                    },
                                }
                            ],
                        },
                        {"type": "token_budget", "remaining": 5},
                    ],
                    "created_at": "2025-03-02T08:00:30Z",
                    "updated_at": "2025-03-02T08:00:31Z",
                },
            ],
        },
        {
            "uuid": "c0000000-0000-4000-8000-000000000000",
            "name": "Never used",
            "created_at": "2025-03-03T08:00:00Z",
            "updated_at": "2025-03-03T08:00:00Z",
            "chat_messages": [],
        },
    ]


def check_claude_ai(history: History, report: ImportReport) -> None:
    a, b = UUID_A.replace("-", ""), UUID_B.replace("-", "")
    assert report.imported == [a, b] and report.failed == [] and report.skipped == []
    assert report.empty == ["c0000000000040008000000000000000"]
    assert all_conversations(history) == 2

    first = history.get_conversation(a)
    assert first.title == "Résumé help ✍️" and first.model == "claude.ai"
    assert first.created_at == datetime(2025, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert first.updated_at == datetime(2025, 3, 1, 10, 5, tzinfo=UTC)
    user, reply = history.load_messages(a)
    assert (user.role, reply.role) == ("user", "assistant")
    assert user.id == "a0000000000040008000000000000001"
    assert user.content == [
        {"type": "text", "text": "Please improve my CV — 日本語 too"},
        {"type": "text", "text": "[Attachment: cv.txt]\nJane Doe\nEngineer 🚀"},
        {"type": "text", "text": "[File: photo.png] (its content is not in the export)"},
    ]
    assert reply.content == [
        {"type": "thinking", "thinking": "The CV needs a summary…", "signature": ""},
        {"type": "text", "text": "Here is a better version: **Jane Doe**, Ingénieure."},
    ]
    assert reply.created_at == datetime(2025, 3, 1, 10, 0, 5, 500000, tzinfo=UTC)
    assert reply.status is Status.COMPLETE and reply.usage is None

    second = history.get_conversation(b)
    assert second.title == "What's the weather in Zürich? Thanks"  # from the first prompt
    user, reply = history.load_messages(b)
    assert user.content == [{"type": "text", "text": "What's the weather in Zürich?\nThanks"}]  # from `text`
    tool_use, tool_result, text, unknown = reply.content
    assert tool_use["type"] == "tool_use" and tool_use["name"] == "web_search" and tool_use["id"]
    assert tool_use["input"] == {"query": "Zürich weather"}
    assert tool_result["type"] == "tool_result" and tool_result["tool_use_id"] == tool_use["id"]
    assert "https://weather.example/zurich" in tool_result["content"][0]["text"]
    assert text["text"] == "It is 12 °C." and text["citations"][0]["url"] == "https://weather.example/zurich"
    assert unknown == {"type": "token_budget", "remaining": 5}

    # and they export
    md = to_markdown(*load(history, second))
    assert "## Claude (claude.ai)" in md and "**Tool call:** `web_search`" in md and "It is 12 °C.[1]" in md
    assert "<summary>Thinking</summary>" in to_markdown(*load(history, first))
    assert "Jane Doe\nEngineer 🚀" in to_html(*load(history, first))


def test_claude_ai_conversations_json(history, tmp_path):
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(claude_ai_export(), ensure_ascii=False), encoding="utf-8")
    check_claude_ai(history, import_path(history, path))
    again = import_path(history, path)
    assert again.imported == [] and len(again.skipped) == 2 and again.ok
    assert all_conversations(history) == 2


def test_claude_ai_zip(history, fresh, tmp_path):
    path = tmp_path / "data-2025-03-04-batch-0000.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("users.json", json.dumps([{"uuid": "u", "full_name": "Jane"}]))
        archive.writestr("projects.json", "[]")
        archive.writestr("conversations.json", json.dumps(claude_ai_export(), ensure_ascii=False))
    check_claude_ai(history, import_path(history, path))
    assert import_path(history, path).skipped == [UUID_A.replace("-", ""), UUID_B.replace("-", "")]
    # the same conversations from the unzipped file are the same conversations
    unzipped = tmp_path / "unzipped"
    with zipfile.ZipFile(path) as archive:
        archive.extractall(unzipped)
    assert len(import_path(history, unzipped / "conversations.json").skipped) == 2
    assert len(import_path(fresh, unzipped).imported) == 2  # a folder holding conversations.json
    assert all_conversations(history) == 2


# malformed input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"this is not json {", "not valid JSON: Expecting value at line 1, column 1"),
        (b"", "the file is empty"),
        (b"\xff\xfe\x00garbage", "not UTF-8 text"),
        (b"[]", "the file holds no conversations (an empty list)"),
        (b"42", "not a conversation export: expected a JSON object or a list of them"),
        (b'{"foo": 1}', "not a conversation: expected our JSON export (id, messages) or a claude.ai"),
    ],
)
def test_malformed_file_fails_clearly(history, tmp_path, content, reason):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    report = import_path(history, path)
    assert report.imported == [] and report.skipped == [] and len(report.failed) == 1
    name, why = report.failed[0]
    assert name.startswith("bad.json") and why.startswith(reason), why
    assert not report.ok and all_conversations(history) == 0


def test_unreadable_paths_fail_clearly(history, tmp_path):
    missing = import_path(history, tmp_path / "nope.json")
    assert missing.failed == [("nope.json", "no such file")]
    empty_dir = tmp_path / "export"
    empty_dir.mkdir()
    assert import_path(history, empty_dir).failed == [("export", "the folder has no conversations.json")]
    archive = tmp_path / "other.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("users.json", "[]")
    no_json = [("other.zip", "the zip archive holds no conversations.json")]
    assert import_path(history, archive).failed == no_json
    broken = tmp_path / "broken.zip"
    broken.write_bytes(archive.read_bytes()[:-30])
    assert import_path(history, broken).failed[0][0] == "broken.zip"


def test_bad_conversations_fail_alone_and_leave_nothing(history, tmp_path):
    good = {
        "id": "good",
        "title": "Good",
        "model": "m",
        "created_at": "2025-01-01T00:00:00Z",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
    }
    half_bad = {
        "id": "halfbad",
        "title": "Half",
        "messages": [
            {"id": "x1", "role": "user", "content": [{"type": "text", "text": "fine"}]},
            {"id": "x2", "role": "assistant", "content": "ok", "status": "exploded"},
        ],
    }
    items = [
        good,
        half_bad,
        {"id": "badtime", "messages": [], "created_at": "yesterday"},
        {"id": "badblocks", "messages": [{"role": "user", "content": [{"text": "no type"}]}]},
        {
            "id": "badusage",
            "messages": [{"role": "assistant", "content": [], "usage": {"duration_ms": "slow"}}],
        },
        {"id": "", "messages": []},
        {"uuid": UUID_A, "chat_messages": [{"sender": "robot", "text": "beep"}]},
        {"chat_messages": []},
        ["not", "an", "object"],
    ]
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    report = import_path(history, path)
    assert report.imported == ["good"] and report.skipped == []
    reasons = dict(report.failed)
    assert len(reasons) == len(items) - 1
    assert reasons["mixed.json #2 'Half' (halfbad)"] == "message 2: unknown status 'exploded'"
    assert reasons["mixed.json #3 (badtime)"] == (
        "the conversation's 'created_at' is not an ISO 8601 timestamp: 'yesterday'"
    )
    assert reasons["mixed.json #4 (badblocks)"] == (
        "message 1: block 0 is not a content block (an object with a 'type')"
    )
    assert reasons["mixed.json #5 (badusage)"] == "message 1: 'duration_ms' should be a whole number"
    assert reasons["mixed.json #6"] == "conversation: 'id' is empty"
    assert reasons[f"mixed.json #7 ({UUID_A})"] == (
        "message 1: unknown sender 'robot' (expected 'human' or 'assistant')"
    )
    assert reasons["mixed.json #8"] == "the conversation has no 'uuid'"
    assert reasons["mixed.json #9"].startswith("not a conversation")
    assert all_conversations(history) == 1 and history.get_conversation("halfbad") is None
    assert [m.text() for m in history.load_messages("good")] == ["hi"]


def test_a_store_failure_rolls_the_conversation_back(history, tmp_path):
    """A message id already used elsewhere makes the insert fail: reported, nothing half-written."""
    existing = history.create_conversation("e", "m")
    taken = history.add_message(existing.id, Message(role="user", content=[{"type": "text", "text": "x"}])).id
    clash = {
        "id": "clash",
        "title": "Clash",
        "messages": [
            {"id": "fresh1", "role": "user", "content": [{"type": "text", "text": "a"}]},
            {"id": taken, "role": "assistant", "content": [{"type": "text", "text": "b"}]},
        ],
    }
    path = tmp_path / "clash.json"
    path.write_text(json.dumps(clash), encoding="utf-8")
    report = import_path(history, path)
    assert report.imported == [] and len(report.failed) == 1
    name, why = report.failed[0]
    assert name == "clash.json 'Clash' (clash)" and why.startswith("could not be stored: IntegrityError")
    assert history.get_conversation("clash") is None and all_conversations(history) == 1
    assert import_path(history, path).failed  # and it is not "already present" next time either
