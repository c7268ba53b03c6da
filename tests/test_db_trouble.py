"""A history database that cannot be used: damaged, truncated, from a newer version, read-only (the
file, or its directory), on a full disk, locked by another program past the busy timeout.

Each case is met three ways, and each way must say what happened, where, and what to do:

- the store: ``History(path)`` raises a StoreError of the right kind;
- the command line: ``claude-textual list`` exits 1 with that message and no traceback;
- the app: the "Database" error notification, the status bar says "history unavailable", the app
  keeps running, and sending a prompt says the history is unavailable (the prompt stays in the box).

And after all three the file holds the very bytes it held before.

Permissions mean nothing to root, so when the tests run as root the read-only cases drop the
effective uid to ``nobody`` for the duration (and are skipped when that is not possible).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.pool import Pool

from claude_textual import cli
from claude_textual.config import Settings
from claude_textual.core.model import Message, Status, user_text_message
from claude_textual.store.engine import StoreError
from claude_textual.store.history import History
from claude_textual.ui.widgets.prompt import PromptBox
from claude_textual.ui.widgets.status_bar import StatusBar
from tests.store import _old_schema as old
from tests.ui.uihelpers import NotificationLog, run, wait_for

NOBODY = 65534
BUSY_TIMEOUT = "0.2"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def seeded(db: Path, messages: int = 1) -> None:
    """A real, current database with a conversation in it."""
    history = History(db)
    conversation = history.create_conversation("kept", "claude-test")
    for n in range(messages):
        history.add_message(conversation.id, user_text_message(f"message {n} " + "words " * 200))
    history.close()


@contextlib.contextmanager
def as_nobody(enabled: bool) -> Iterator[None]:
    """Run the block with the effective uid and gid of ``nobody`` when we are root."""
    if not enabled or os.geteuid() != 0:
        yield
        return
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


@contextlib.contextmanager
def page_cap() -> Iterator[None]:
    """Every new SQLite connection may not grow its database: the disk is full (SQLITE_FULL)."""

    def cap(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA max_page_count=1")  # never below the current size: no growth at all

    event.listen(Pool, "connect", cap)
    try:
        yield
    finally:
        event.remove(Pool, "connect", cap)


@contextlib.contextmanager
def exclusive_lock(db: Path) -> Iterator[None]:
    """Another program holds the database exclusively (readers too) until the block ends."""
    with closing(sqlite3.connect(db, isolation_level=None)) as other:
        other.execute("PRAGMA locking_mode=EXCLUSIVE")
        other.execute("BEGIN EXCLUSIVE")
        other.execute("CREATE TABLE holding_the_lock (x)")
        try:
            yield
        finally:
            other.execute("ROLLBACK")


@dataclass
class Trouble:
    db: Path
    kind: str
    words: list[str]  # what happened and what to do, as the message must say it
    condition: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext
    unprivileged: bool = False
    tolerated: set[str] = field(default_factory=set)  # files that may appear beside the database


def random_bytes(base: Path) -> Trouble:
    db = base / "data" / "history.db"
    db.parent.mkdir()
    db.write_bytes(random.Random(7).randbytes(20_000))
    return Trouble(db, "damaged", ["not a usable claude-textual database", "left untouched", "move it aside"])


def truncated(base: Path) -> Trouble:
    db = base / "data" / "history.db"
    seeded(db, messages=60)
    data = db.read_bytes()
    assert len(data) > 16 * 4096
    db.write_bytes(data[: len(data) // 2])
    return Trouble(db, "damaged", ["not a usable claude-textual database", "malformed", "move it aside"])


def newer_schema(base: Path) -> Trouble:
    db = base / "data" / "history.db"
    seeded(db)
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    return Trouble(
        db, "newer", ["newer claude-textual", "schema 9999", "Upgrade claude-textual", "not been changed"]
    )


def readonly_directory(base: Path) -> Trouble:
    data = base / "data"
    db = data / "history.db"
    seeded(db)
    if os.geteuid() == 0:
        os.chown(data, NOBODY, NOBODY)
        os.chown(db, NOBODY, NOBODY)
    data.chmod(0o555)
    return Trouble(
        db,
        "readonly",
        [f"{data} is not writable", "history.db-wal", "make the directory writable", "--db"],
        unprivileged=True,
    )


def readonly_file(base: Path) -> Trouble:
    db = base / "data" / "history.db"
    seeded(db)
    if os.geteuid() == 0:
        os.chown(db.parent, NOBODY, NOBODY)
        os.chown(db, NOBODY, NOBODY)
    db.chmod(0o400)
    return Trouble(db, "readonly", ["the file is read-only", f"chmod u+w {db}", "--db"], unprivileged=True)


def full_disk(base: Path) -> Trouble:
    """An older schema to upgrade, and no room to do it: the upgrade fails, the file is as it was."""
    db = base / "data" / "history.db"
    old.build_at(db, old.revisions()[0])
    return Trouble(
        db,
        "full",
        ["is full", "no space left", "Free some space"],
        page_cap,
        tolerated={f"history.db.backup-{old.revisions()[0]}"},
    )


def locked(base: Path) -> Trouble:
    db = base / "data" / "history.db"
    seeded(db)
    return Trouble(
        db,
        "locked",
        ["locked by another program", f"{BUSY_TIMEOUT} s", "Close that program"],
        lambda: exclusive_lock(db),
    )


CASES = {
    f.__name__: f
    for f in (random_bytes, truncated, newer_schema, readonly_directory, readonly_file, full_disk, locked)
}


@pytest.fixture
def base(monkeypatch) -> Iterator[Path]:
    """A directory ``nobody`` can reach (pytest's own tmp directories are private to root)."""
    monkeypatch.setenv("CLAUDE_TEXTUAL_BUSY_TIMEOUT", BUSY_TIMEOUT)
    path = Path(tempfile.mkdtemp(prefix="ct-trouble-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for root, dirs, _ in os.walk(path):
            for name in dirs:
                Path(root, name).chmod(0o755)
        shutil.rmtree(path, ignore_errors=True)


def check_message(text: str, trouble: Trouble) -> None:
    assert str(trouble.db) in text or str(trouble.db.parent) in text, text
    for word in trouble.words:
        assert word.lower() in text.lower(), f"{word!r} not in {text!r}"


def app_for(db: Path):
    from claude_textual.ui.app import ClaudeApp

    settings = Settings(model="claude-test", max_retries=0, timeout=5.0, thinking="off")
    return ClaudeApp(settings, db, api_key="sk-test", base_url="http://127.0.0.1:9")


async def import_what_the_flow_imports(base: Path, capsys) -> None:
    """Go through the same three ways on a sound database first, as ourselves: what they import lazily
    is imported now. Run as ``nobody`` the first time, an import from a Python installed under a home
    only root may read (mode 0700) would fail, and whether it did would depend on what earlier tests
    happened to import."""
    db = base / "warm" / "history.db"
    seeded(db)
    History(db).close()
    cli.main(["list", "--db", str(db)])
    capsys.readouterr()
    app = app_for(db)
    async with run(app, NotificationLog()) as pilot:
        await wait_for(pilot, lambda: app.screen.session.store is not None, what="the sound history")
        prompt = app.screen.query_one(PromptBox)
        prompt.focus()
        await pilot.press("ctrl+s")  # an empty prompt: refused, but the refusal's code is loaded
    # the app imports the SDK and the price table in a thread: wait for them here (the import lock
    # holds this until the thread's import is done), or they would go on importing as nobody
    import anthropic  # noqa: F401
    import genai_prices  # noqa: F401


@pytest.mark.parametrize("case", list(CASES))
async def test_database_trouble_is_explained_everywhere_and_the_file_is_kept(base, case, capsys):
    trouble = CASES[case](base)
    if trouble.unprivileged and os.geteuid() == 0 and not hasattr(os, "seteuid"):
        pytest.skip("cannot drop root privileges here")
    before = digest(trouble.db)
    files_before = {p.name for p in trouble.db.parent.iterdir()}
    if trouble.unprivileged:
        await import_what_the_flow_imports(base, capsys)

    with trouble.condition(), as_nobody(trouble.unprivileged):
        # the store
        with pytest.raises(StoreError) as caught:
            History(trouble.db)
        assert caught.value.kind == trouble.kind, str(caught.value)
        check_message(str(caught.value), trouble)
        assert digest(trouble.db) == before

        # the command line
        capsys.readouterr()
        assert cli.main(["list", "--db", str(trouble.db)]) == 1
        out, err = capsys.readouterr()
        assert out == "" and err.startswith("claude-textual: ") and "Traceback" not in err
        check_message(err, trouble)
        assert digest(trouble.db) == before

        # the app
        log = NotificationLog()
        app = app_for(trouble.db)
        async with run(app, log) as pilot:
            screen = app.screen
            await wait_for(pilot, lambda: screen.session.error is not None, what="the history to fail")
            await pilot.pause()
            [shown] = [n for n in log.of("error") if n.title == "Database"]
            check_message(shown.message, trouble)
            assert screen.query_one(StatusBar).state == "history unavailable"

            prompt = screen.query_one(PromptBox)
            prompt.focus()
            prompt.insert("are you there?")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: len(log.of("error")) >= 2, what="the refusal to send")
            refusal = log.of("error")[-1].message
            assert "history is unavailable" in refusal and "not sent" in refusal
            check_message(refusal, trouble)
            assert prompt.text == "are you there?"
            assert app.is_running and screen.session.store is None
        assert digest(trouble.db) == before

    assert digest(trouble.db) == before, "the database file was changed"
    files_after = {p.name for p in trouble.db.parent.iterdir()}
    drafts = trouble.db.parent / "drafts.json"  # the prompt that could not be sent is kept as a draft
    if drafts.exists() or not trouble.unprivileged:
        assert json.loads(drafts.read_text()) == {"": "are you there?"}
        files_after.discard(drafts.name)
    sidecars = {f"{trouble.db.name}-wal", f"{trouble.db.name}-shm", f"{trouble.db.name}-journal"}
    assert files_after <= files_before | sidecars | trouble.tolerated, files_after - files_before
    for name in (
        trouble.tolerated & files_after
    ):  # the backup taken before a failed upgrade is the file itself
        assert digest(trouble.db.parent / name) == before


@pytest.mark.parametrize(
    ("case", "argv"),
    [("random_bytes", ["list"]), ("newer_schema", ["export", "--last"]), ("locked", ["search", "anything"])],
)
def test_the_installed_command_exits_1_without_a_traceback(base, case, argv):
    trouble = CASES[case](base)
    before = digest(trouble.db)
    command = Path(sys.executable).parent / "claude-textual"
    env = {**os.environ, "CLAUDE_TEXTUAL_BUSY_TIMEOUT": BUSY_TIMEOUT}
    with trouble.condition():
        done = subprocess.run(
            [str(command), *argv, "--db", str(trouble.db)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    assert done.returncode == 1, (argv, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and done.stdout == ""
    check_message(done.stderr, trouble)
    assert digest(trouble.db) == before


# a full disk once the app is up ------------------------------------------------------------------------


async def test_a_disk_that_fills_up_after_start_refuses_the_prompt_and_the_app_goes_on(base):
    db = base / "data" / "history.db"
    seeded(db)
    log = NotificationLog()
    app = app_for(db)
    async with run(app, log) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.session.store is not None, what="history opened")
        with page_cap():
            screen.session.store.engine.dispose()  # new connections: the cap applies to them
            prompt = screen.query_one(PromptBox)
            prompt.focus()
            prompt.insert("x" * 20_000)  # a new conversation titled with it needs pages the disk lacks
            screen.session.settings = Settings(
                model="claude-test", max_retries=0, thinking="off", title_length=20_000
            )
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: log.of("error"), what="the refusal")
        [error] = log.of("error")
        assert error.title == "Database"
        assert "not sent" in error.message and "is full" in error.message and str(db) in error.message
        assert prompt.text == "x" * 20_000
        assert app.is_running
    store = History(db)
    try:
        assert [c.title for c in store.list_conversations()] == ["kept"]
    finally:
        store.close()


def test_full_disk_mid_reply_is_a_store_error_not_a_crash(base):
    """The store's own part: a write that needs room the disk lacks fails as a clear StoreError and
    the reply row keeps what was saved before."""
    db = base / "h.db"
    store = History(db)
    try:
        conversation = store.create_conversation("t", "m")
        reply = store.add_message(
            conversation.id, Message(role="assistant", content=[], status=Status.STREAMING)
        )
        saved = store.save_reply(
            reply, {"content": [{"type": "text", "text": "first part"}]}, status=Status.STREAMING
        )
        with page_cap():
            store.engine.dispose()
            with pytest.raises(StoreError) as caught:
                store.save_reply(
                    reply,
                    {"content": [{"type": "text", "text": "first part" + "y" * 50_000}]},
                    status=Status.COMPLETE,
                    saved=saved,
                )
        assert caught.value.kind == "full" and str(db) in str(caught.value)
        store.engine.dispose()
        [kept] = store.load_messages(conversation.id)
        assert kept.content == [{"type": "text", "text": "first part"}] and kept.status is Status.STREAMING
    finally:
        store.close()


async def test_disk_full_mid_reply_in_the_app_shows_the_reply_and_says_it_was_not_saved(
    api, make_app, db_path
):
    from claude_textual.ui.messages import BlockDelta
    from claude_textual.ui.widgets.blocks import TextView
    from tests.core._streams import stream_reply, text_reply
    from tests.ui.uihelpers import assistants, idle

    pieces = [f"part {n:03d} " + "q" * 300 for n in range(100)]
    api.then(stream_reply(text_reply(pieces, pause=0.002)))
    log = NotificationLog()
    capped = contextlib.ExitStack()

    def hook(message):
        log(message)
        if not capped._exit_callbacks and isinstance(message, BlockDelta):
            capped.enter_context(page_cap())  # the disk fills up as the first piece arrives
            app.screen.session.store.engine.dispose()

    app = make_app()
    with capped:
        async with app.run_test(size=(120, 40), notifications=True, message_hook=hook) as pilot:
            await wait_for(pilot, lambda: app.screen.session.store is not None, what="history opened")
            prompt = app.screen.query_one(PromptBox)
            prompt.insert("hello")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: assistants(app) and idle(app), timeout=20, what="the reply to end")
            [reply] = assistants(app)
            assert reply.query_one(TextView).source == "".join(pieces)
            [error] = log.of("error")
            assert error.title == "Database"
            assert "could not be saved" in error.message and "is full" in error.message
            assert app.is_running


def bit_flipped(base: Path) -> Path:
    """A current database with a few bytes flipped inside its pages: it opens, but rows are damaged."""
    db = base / "data" / "history.db"
    history = History(db)
    for n in range(30):
        conversation = history.create_conversation(f"conversation {n}", "claude-test")
        for k in range(20):
            history.add_message(conversation.id, user_text_message(f"question {n} {k} " + "x" * 500))
    history.close()
    data = bytearray(db.read_bytes())
    for k in range(len(data) // 3, len(data) // 3 + 4096 * 4, 7):
        data[k] ^= 0xFF
    db.write_bytes(bytes(data))
    return db


async def test_a_damaged_database_that_still_opens_is_said_to_be_damaged(tmp_path, api):
    """The file opens and lists, with rows missing or wrong: the user is told, and the app stays up."""
    from claude_textual.ui.app import ClaudeApp

    db = bit_flipped(tmp_path)
    history = History(db)
    try:
        assert history.damage() is not None and history.list_conversations()  # it opens, and is damaged
    finally:
        history.close()
    log = NotificationLog()
    app = ClaudeApp(
        Settings(model="claude-test", max_retries=0, title_model=""), db, api_key="sk-test", base_url=api.url
    )
    async with run(app, log) as pilot:
        await wait_for(
            pilot, lambda: any("is damaged" in n.message for n in log.of("error")), what="the notice"
        )
        notice = next(n.message for n in log.of("error") if "is damaged" in n.message)
        assert str(db) in notice and ".recover" in notice and "backup" in notice
        assert app.is_running
