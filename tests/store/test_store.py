"""The history database: schema in step with the models, safe files, clear refusals, careful writes."""

from __future__ import annotations

import random
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

import claude_textual.store.history as history_module
from claude_textual.core.model import Message, Status, Usage, user_text_message
from claude_textual.store import engine as engine_module
from claude_textual.store.engine import SCHEMA_HEAD, StoreError
from claude_textual.store.history import History
from claude_textual.store.tables import BlockRow, SQLModel, UsageRow

MIGRATIONS = Path(engine_module.__file__).parent / "migrations"


def streaming() -> Message:
    return Message(role="assistant", content=[], status=Status.STREAMING)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# schema --------------------------------------------------------------------------------------------


def test_schema_head_is_the_newest_migration():
    scripts = ScriptDirectory(str(MIGRATIONS))
    assert scripts.get_heads() == [SCHEMA_HEAD]  # one head, and it is ours
    assert scripts.get_current_head() == SCHEMA_HEAD
    assert set(engine_module.KNOWN_REVISIONS) == {s.revision for s in scripts.walk_revisions()}


def _virtual_tables(conn) -> set[str]:
    """FTS5 virtual tables and their shadow tables: real schema that SQLModel cannot describe."""
    names = {
        row[0]
        for row in conn.execute(
            text("SELECT name FROM sqlite_master WHERE type='table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
        )
    }
    shadows = {f"{n}_{s}" for n in names for s in ("data", "idx", "content", "docsize", "config")}
    return names | shadows


def test_migrated_database_matches_the_models(history):
    with history.engine.connect() as conn:
        skip = _virtual_tables(conn)
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, parent: not (kind == "table" and name in skip),
            },
        )
        diffs = compare_metadata(context, SQLModel.metadata)
    assert diffs == []


def test_alembic_version_is_head(history, db_path):
    with closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(SCHEMA_HEAD,)]


def test_wal_and_foreign_keys(history, db_path):
    with history.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == engine_module.BUSY_TIMEOUT_MS
    # WAL is a property of the file, not just of our connections
    with closing(sqlite3.connect(db_path)) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_foreign_keys_are_enforced_and_cascade(history):
    conversation = history.create_conversation("t", "m")
    message = history.add_message(conversation.id, user_text_message("hi"))
    history.add_usage(message, Usage(raw={"input_tokens": 1}))
    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        history.add_message("no-such-conversation", user_text_message("orphan"))
    with history.engine.begin() as conn:
        conn.execute(text("DELETE FROM conversation WHERE id = :id"), {"id": conversation.id})
    with history.engine.connect() as conn:
        for table in ("message", "block", "usage"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table


# files ---------------------------------------------------------------------------------------------


def test_new_database_file_and_directory_are_private(history, db_path):
    history.add_message(history.create_conversation("t", "m").id, user_text_message("x"))
    assert db_path.exists()
    assert mode(db_path.parent) == 0o700
    assert mode(db_path) == 0o600
    for sidecar in (db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")):
        if sidecar.exists():
            assert mode(sidecar) == 0o600, sidecar


def test_existing_world_readable_database_made_private(db_path):
    History(db_path).close()
    db_path.chmod(0o644)
    History(db_path).close()
    assert mode(db_path) == 0o600


def test_corrupt_file_refused_and_left_untouched(db_path):
    db_path.parent.mkdir(parents=True)
    garbage = random.Random(1234).randbytes(16384)
    db_path.write_bytes(garbage)
    with pytest.raises(StoreError) as caught:
        History(db_path)
    message = str(caught.value)
    assert str(db_path) in message
    assert "not a usable claude-textual database" in message and "left untouched" in message
    assert db_path.read_bytes() == garbage
    assert sorted(p.name for p in db_path.parent.iterdir() if "backup" in p.name) == []


def test_newer_schema_refused_and_left_untouched(db_path):
    store = History(db_path)
    store.create_conversation("kept", "m")
    store.close()
    with closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = db_path.read_bytes()
    with pytest.raises(StoreError) as caught:
        History(db_path)
    message = str(caught.value)
    assert "newer" in message and "9999" in message and str(db_path) in message
    assert db_path.read_bytes() == before
    assert not [p for p in db_path.parent.iterdir() if "backup" in p.name]
    with closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("9999",)]
        assert conn.execute("SELECT title FROM conversation").fetchall() == [("kept",)]


def test_reopening_a_current_database_keeps_its_data(db_path):
    store = History(db_path)
    conversation = store.create_conversation("t", "m")
    store.add_message(conversation.id, user_text_message("persisted"))
    store.close()
    again = History(db_path)
    try:
        assert again.load_messages(conversation.id)[0].text() == "persisted"
        assert not [p for p in db_path.parent.iterdir() if "backup" in p.name]
    finally:
        again.close()


# resolve -------------------------------------------------------------------------------------------


@pytest.fixture
def fixed_ids(monkeypatch):
    ids = iter(["abc111" + "0" * 26, "abc222" + "0" * 26, "def333" + "0" * 26])
    monkeypatch.setattr(history_module, "new_id", lambda: next(ids))


def test_resolve_last_on_empty_database(history):
    with pytest.raises(StoreError, match="no conversations yet"):
        history.resolve("last")


def test_resolve_last_is_most_recently_active(history, fixed_ids):
    first = history.create_conversation("first", "m")
    second = history.create_conversation("second", "m")
    assert history.resolve("last") == second.id
    history.add_message(first.id, user_text_message("back to the first"))
    assert history.resolve("last") == first.id


def test_resolve_full_id_and_unique_prefix(history, fixed_ids):
    a = history.create_conversation("a", "m")
    b = history.create_conversation("b", "m")
    c = history.create_conversation("c", "m")
    assert history.resolve(a.id) == a.id
    assert history.resolve("abc1") == a.id
    assert history.resolve("abc2") == b.id
    assert history.resolve("d") == c.id


def test_resolve_ambiguous_prefix(history, fixed_ids):
    history.create_conversation("a", "m")
    history.create_conversation("b", "m")
    with pytest.raises(StoreError, match="'abc' is ambiguous"):
        history.resolve("abc")


def test_resolve_no_match(history, fixed_ids):
    history.create_conversation("a", "m")
    with pytest.raises(StoreError, match="No conversation matches 'zzz'"):
        history.resolve("zzz")


@pytest.mark.parametrize("ref", ["a_c", "%"])
def test_resolve_treats_like_wildcards_literally(history, fixed_ids, ref):
    """An id prefix is matched literally: a mistyped ref never silently picks some other conversation."""
    history.create_conversation("a", "m")
    with pytest.raises(StoreError, match="No conversation matches"):
        history.resolve(ref)


# messages ------------------------------------------------------------------------------------------


def test_add_message_assigns_seq_and_counts(history):
    conversation = history.create_conversation("t", "m")
    messages = [history.add_message(conversation.id, user_text_message(str(i))) for i in range(3)]
    assert [m.seq for m in messages] == [0, 1, 2]
    assert all(m.id and m.conversation_id == conversation.id for m in messages)
    assert history.get_conversation(conversation.id).message_count == 3
    assert [m.text() for m in history.load_messages(conversation.id)] == ["0", "1", "2"]


def test_mark_stale_streaming(history):
    conversation = history.create_conversation("t", "m")
    history.add_message(conversation.id, user_text_message("q"))
    stale = history.add_message(conversation.id, streaming())
    half = {"content": [{"type": "text", "text": "half"}], "model": "m"}
    history.save_reply(stale, half, status=Status.STREAMING)
    ok = Message(role="assistant", content=[{"type": "text", "text": "ok"}])
    done = history.add_message(conversation.id, ok)
    assert history.mark_stale_streaming() == 0, "a reply written just now may belong to a live process"
    assert history.mark_stale_streaming(older_than=0) == 1
    user, reply, complete = history.load_messages(conversation.id)
    assert reply.id == stale.id and reply.status is Status.INTERRUPTED
    assert reply.content == [{"type": "text", "text": "half"}]
    assert "while it streamed" in reply.error and "checkpoint" in reply.error
    assert complete.id == done.id and complete.status is Status.COMPLETE and complete.error is None
    assert user.status is Status.COMPLETE
    assert history.mark_stale_streaming(older_than=0) == 0


def test_mark_stale_streaming_spares_replies_another_process_is_writing(history, db_path, monkeypatch):
    """Two app processes on one database: starting the second must not cut off the first's reply."""
    conversation = history.create_conversation("t", "m")
    live = history.add_message(conversation.id, streaming())
    dead = history.add_message(conversation.id, streaming())
    with Session(history.engine) as session:  # the dead process last wrote a minute ago
        old = history_module.utcnow() - history_module.timedelta(seconds=60)
        session.exec(
            text("UPDATE message SET updated_at = :t WHERE id = :id").bindparams(
                t=old.strftime("%Y-%m-%d %H:%M:%S.%f"), id=dead.id
            )
        )
        session.commit()
    other = History(db_path)  # the second process
    try:
        assert other.mark_stale_streaming() == 1
        statuses = {m.id: m.status for m in other.load_messages(conversation.id)}
        assert statuses == {live.id: Status.STREAMING, dead.id: Status.INTERRUPTED}
        monkeypatch.setenv("CLAUDE_TEXTUAL_STALE_SECONDS", "30")
        assert history_module.stale_seconds() == 30
        monkeypatch.setenv("CLAUDE_TEXTUAL_STALE_SECONDS", "0")
        assert other.mark_stale_streaming() == 1
    finally:
        other.close()


def test_touch_keeps_a_streaming_reply_fresh_and_changes_nothing_else(history):
    conversation = history.create_conversation("t", "m")
    reply = history.add_message(conversation.id, streaming())
    before = history.load_messages(conversation.id)[0].updated_at
    history.touch(reply)
    after = history.load_messages(conversation.id)[0]
    assert after.updated_at > before and after.status is Status.STREAMING
    history.save_reply(reply, None, status=Status.ERROR, error="x")
    history.touch(reply)  # a finished reply is not touched
    final = history.load_messages(conversation.id)[0]
    assert final.status is Status.ERROR and final.updated_at == reply.updated_at


class BlockWrites:
    """Counts the upserts into the block table and the deletes from it."""

    def __init__(self, engine) -> None:
        self.inserts: list[int] = []
        self.deletes = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        sql = " ".join(statement.split()).upper()
        if sql.startswith("INSERT INTO BLOCK "):
            self.inserts.append(parameters[1] if isinstance(parameters, tuple) else parameters["idx"])
        elif sql.startswith("DELETE FROM BLOCK "):
            self.deletes += 1


def api_message(*texts: str, stop_reason: str | None = None) -> dict:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-x",
        "content": [{"type": "text", "text": t} for t in texts],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }


def test_save_reply_checkpoints_rewrite_only_changed_blocks(history):
    conversation = history.create_conversation("t", "m")
    reply = history.add_message(conversation.id, streaming())
    writes = BlockWrites(history.engine)

    saved = history.save_reply(reply, api_message("a", "b"), status=Status.STREAMING)
    assert sorted(writes.inserts) == [0, 1]
    writes.inserts.clear()

    saved = history.save_reply(reply, api_message("a", "b", "c"), status=Status.STREAMING, saved=saved)
    assert writes.inserts == [2]  # 0 and 1 are unchanged
    writes.inserts.clear()

    saved = history.save_reply(reply, api_message("a", "b", "c d"), status=Status.STREAMING, saved=saved)
    assert writes.inserts == [2]
    writes.inserts.clear()

    saved = history.save_reply(reply, api_message("a", "b", "c d"), status=Status.COMPLETE, saved=saved)
    assert writes.inserts == [] and writes.deletes == 0

    stored = history.load_messages(conversation.id)[0]
    assert stored.content == [{"type": "text", "text": t} for t in ("a", "b", "c d")]
    assert stored.status is Status.COMPLETE and stored.api_id == "msg_1" and stored.model == "claude-x"
    with Session(history.engine) as session:
        rows = session.exec(select(BlockRow).where(BlockRow.message_id == reply.id)).all()
        assert sorted(r.idx for r in rows) == [0, 1, 2] and all(r.type == "text" for r in rows)


def test_save_reply_truncates_blocks_beyond_the_new_end(history):
    conversation = history.create_conversation("t", "m")
    reply = history.add_message(conversation.id, streaming())
    saved = history.save_reply(reply, api_message("a", "b", "c"), status=Status.STREAMING)
    saved = history.save_reply(reply, api_message("a"), status=Status.ERROR, error="cut", saved=saved)
    assert saved == {0: {"type": "text", "text": "a"}}
    stored = history.load_messages(conversation.id)[0]
    assert stored.content == [{"type": "text", "text": "a"}]
    assert stored.status is Status.ERROR and stored.error == "cut"
    with Session(history.engine) as session:
        assert [r.idx for r in session.exec(select(BlockRow).where(BlockRow.message_id == reply.id))] == [0]


def test_save_reply_keeps_message_level_extras(history):
    conversation = history.create_conversation("t", "m")
    reply = history.add_message(conversation.id, streaming())
    final = {
        **api_message("no", stop_reason="refusal"),
        "stop_details": {"explanation": "policy"},
        "stop_sequence": None,
        "container": {"id": "c1"},
    }
    history.save_reply(reply, final, status=Status.COMPLETE)
    stored = history.load_messages(conversation.id)[0]
    assert stored.stop_reason == "refusal"
    assert stored.extra == {"stop_details": {"explanation": "policy"}, "container": {"id": "c1"}}


def test_save_reply_without_api_message_keeps_content(history):
    conversation = history.create_conversation("t", "m")
    reply = history.add_message(conversation.id, streaming())
    saved = history.save_reply(reply, api_message("kept"), status=Status.STREAMING)
    history.save_reply(reply, None, status=Status.ERROR, error="boom", saved=saved)
    stored = history.load_messages(conversation.id)[0]
    assert stored.content == [{"type": "text", "text": "kept"}] and stored.error == "boom"


# usage ---------------------------------------------------------------------------------------------

RAW_USAGE = {
    "input_tokens": 22397,
    "output_tokens": 637,
    "cache_creation_input_tokens": 1500,
    "cache_read_input_tokens": 9000,
    "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 500},
    "server_tool_use": {"web_search_requests": 2, "web_fetch_requests": 3},
    "service_tier": "standard",
    "inference_geo": "not_available",
    "output_tokens_details": {"thinking_tokens": 53},
    "some_future_counter": 7,
}


def test_usage_record_keeps_every_field(history):
    conversation = history.create_conversation("t", "m")
    reply = history.add_message(conversation.id, Message(role="assistant", content=[]))
    usage = Usage(raw=dict(RAW_USAGE), request_id="req_1", model="claude-x", ttft_ms=120, duration_ms=3456)
    history.add_usage(reply, usage)

    loaded = history.load_messages(conversation.id)[0].usage
    assert loaded.raw == RAW_USAGE
    assert (loaded.request_id, loaded.model) == ("req_1", "claude-x")
    assert (loaded.ttft_ms, loaded.duration_ms) == (120, 3456)
    assert loaded.created_at == usage.created_at
    assert loaded.count("cache_read_input_tokens") == 9000
    assert loaded.server_tool_use["web_fetch_requests"] == 3

    with Session(history.engine) as session:
        (row,) = session.exec(select(UsageRow)).all()
    assert row.message_id == reply.id and row.conversation_id == conversation.id
    assert (row.input_tokens, row.output_tokens) == (22397, 637)
    assert (row.cache_creation_input_tokens, row.cache_read_input_tokens) == (1500, 9000)
    assert (row.web_search_requests, row.web_fetch_requests) == (2, 3)
    assert row.service_tier == "standard"
    assert row.raw == RAW_USAGE


def test_usage_record_with_missing_counters(history):
    conversation = history.create_conversation("t", "m")
    reply = history.add_message(conversation.id, Message(role="assistant", content=[]))
    history.add_usage(reply, Usage(raw={"input_tokens": 5, "output_tokens": None, "server_tool_use": None}))
    with Session(history.engine) as session:
        (row,) = session.exec(select(UsageRow)).all()
    assert (row.input_tokens, row.output_tokens, row.web_search_requests, row.service_tier) == (5, 0, 0, None)
    assert history.load_messages(conversation.id)[0].usage.raw == {
        "input_tokens": 5,
        "output_tokens": None,
        "server_tool_use": None,
    }
