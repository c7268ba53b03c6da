"""Every earlier schema is upgraded to the newest: a private byte-for-byte backup first, the data
intact and searchable after, and only once.

The revisions come from the migrations folder itself, so a new migration is covered here without
touching this file (``_old_schema`` fails loudly if it adds a required column it does not know).
"""

from __future__ import annotations

import hashlib
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import alembic.command
import pytest

from claude_textual.core.model import Status, user_text_message
from claude_textual.store.engine import SCHEMA_HEAD, StoreError, current_revision
from claude_textual.store.history import History
from tests.store import _old_schema as old

OLDER = [revision for revision in old.revisions() if revision != old.head()]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def backups(directory: Path) -> dict[str, str]:
    return {p.name: digest(p) for p in directory.iterdir() if ".backup-" in p.name}


def test_the_migrations_folder_has_older_revisions_to_test():
    assert old.head() == SCHEMA_HEAD
    assert OLDER and OLDER[0] == "0001"
    assert old.revisions() == [*OLDER, SCHEMA_HEAD]


@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
@pytest.mark.parametrize("revision", OLDER)
def test_older_schema_is_upgraded_after_an_identical_private_backup(tmp_path, revision, journal_mode):
    db = tmp_path / "data" / "history.db"
    old.build_at(db, revision, journal_mode=journal_mode)
    before = db.read_bytes()
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(revision,)]

    store = History(db)
    try:
        assert current_revision(store.engine) == SCHEMA_HEAD
        backup = db.with_name(f"history.db.backup-{revision}")
        assert backup.read_bytes() == before, "the backup must be the file exactly as it was before"
        assert mode(backup) == 0o600
        assert set(backups(db.parent)) == {backup.name}
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"

        # the data, exactly as the old version stored it
        conversation = store.get_conversation(old.CONVERSATION_ID)
        assert conversation is not None
        assert (conversation.title, conversation.model, conversation.system, conversation.message_count) == (
            old.TITLE,
            "claude-old",
            "Be brief.",
            len(old.MESSAGES),
        )
        assert [c.id for c in store.list_conversations()] == [old.CONVERSATION_ID]
        messages = store.load_messages(old.CONVERSATION_ID)
        assert [(m.seq, m.role, m.content, m.status.value, m.stop_reason, m.error) for m in messages] == [
            (seq, role, blocks, status, stop, error)
            for seq, (role, blocks, status, stop, error) in enumerate(old.MESSAGES)
        ]
        assert messages[1].api_id == "msg_old_1" and messages[1].model == "claude-old"
        usage = messages[1].usage
        assert usage is not None and usage.raw == old.USAGE and usage.request_id == "req_old"
        assert (usage.ttft_ms, usage.duration_ms) == (420, 1800)
        totals = store.usage_totals(old.CONVERSATION_ID)
        assert (totals.input_tokens, totals.output_tokens, totals.records) == (321, 123, 1)

        # searchable: the text written before search existed was indexed by the upgrade
        for word, seq in [
            (old.OLD_WORD, 1),
            (old.THINKING_WORD, 1),
            (old.TOOL_WORD, 1),
            (old.RESULT_WORD, 2),
            ("leathery eggs", 1),
            ("ñandú", 0),
        ]:
            hits = store.search(word)
            assert [(h.conversation_id, h.seq) for h in hits] == [(old.CONVERSATION_ID, seq)], word
        # and the upgraded database takes new messages like a new one
        added = store.add_message(old.CONVERSATION_ID, user_text_message("after the upgrade QUOKKANEW"))
        assert added.seq == len(old.MESSAGES)
        assert [h.seq for h in store.search("QUOKKANEW")] == [added.seq]
        assert store.load_messages(old.CONVERSATION_ID)[-1].status is Status.COMPLETE
    finally:
        store.close()


@pytest.mark.parametrize("revision", OLDER)
def test_the_upgrade_runs_once(tmp_path, monkeypatch, revision):
    db = tmp_path / "history.db"
    old.build_at(db, revision)
    History(db).close()
    taken = backups(tmp_path)
    assert len(taken) == 1
    stamps = {name: (tmp_path / name).stat().st_mtime_ns for name in taken}

    def no_second_upgrade(*args, **kwargs):
        raise AssertionError("the schema was upgraded again")

    monkeypatch.setattr(alembic.command, "upgrade", no_second_upgrade)
    for _ in range(2):
        store = History(db)
        assert store.load_messages(old.CONVERSATION_ID)[1].content == old.REPLY_BLOCKS
        store.close()
    assert backups(tmp_path) == taken
    assert {name: (tmp_path / name).stat().st_mtime_ns for name in taken} == stamps


def test_an_existing_different_backup_is_never_overwritten(tmp_path):
    revision = OLDER[0]
    db = tmp_path / "history.db"
    old.build_at(db, revision)
    before = db.read_bytes()
    earlier = db.with_name(f"history.db.backup-{revision}")
    earlier.write_bytes(b"an earlier backup the user kept")
    History(db).close()
    assert earlier.read_bytes() == b"an earlier backup the user kept"
    second = db.with_name(f"history.db.backup-{revision}-2")
    assert second.read_bytes() == before and mode(second) == 0o600


def test_a_foreign_sqlite_database_is_refused_untouched(tmp_path):
    db = tmp_path / "places.sqlite"
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("CREATE TABLE bookmarks (url TEXT)")
        conn.execute("INSERT INTO bookmarks VALUES ('https://example.com')")
    before = db.read_bytes()
    with pytest.raises(StoreError) as caught:
        History(db)
    assert caught.value.kind == "foreign"
    assert str(db) in str(caught.value) and "left untouched" in str(caught.value)
    assert db.read_bytes() == before
    with closing(sqlite3.connect(db)) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["bookmarks"]


@pytest.mark.parametrize("revision", OLDER)
def test_a_failed_upgrade_changes_nothing_and_the_next_one_succeeds(tmp_path, revision):
    """The upgrade is one transaction: a disk that fills up half-way leaves no half schema behind."""
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    db = tmp_path / "history.db"
    old.build_at(db, revision)
    before = db.read_bytes()

    def full(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA max_page_count=1")  # the database may not grow: a full disk

    event.listen(Pool, "connect", full)
    try:
        with pytest.raises(StoreError) as caught:
            History(db)
    finally:
        event.remove(Pool, "connect", full)
    assert caught.value.kind == "full"
    assert db.read_bytes() == before
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(revision,)]

    store = History(db)  # room again: the upgrade runs from the start and succeeds
    try:
        assert current_revision(store.engine) == SCHEMA_HEAD
        assert store.load_messages(old.CONVERSATION_ID)[1].content == old.REPLY_BLOCKS
        assert [h.seq for h in store.search(old.OLD_WORD)] == [1]
    finally:
        store.close()
    assert db.with_name(f"history.db.backup-{revision}").read_bytes() == before
