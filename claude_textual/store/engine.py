"""The SQLite engine (WAL, foreign keys, busy timeout, private files) and schema migrations.

The schema version is read with one query; Alembic is imported only when the database needs
creating or upgrading, and a private copy of the file is taken before an existing database is
migrated. Nothing is written to a file that turns out not to be ours (damaged, foreign, or from a
newer version): it is refused, untouched.

Every failure the environment causes (a full disk, a lock held too long by another program, a
read-only file or directory, a damaged file) becomes a :class:`StoreError` that says what happened,
where, and what to do, both when the database is opened and on every later query.
"""

from __future__ import annotations

import contextlib
import filecmp
import os
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from claude_textual.config import private_dir
from claude_textual.core.recorder import RecordError

if TYPE_CHECKING:
    from collections.abc import Iterator

SCHEMA_HEAD = "0006"
"""The newest migration's revision; a test checks it against the migrations folder."""
KNOWN_REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006")
BUSY_TIMEOUT_MS = 10_000
"""How long a query waits for a lock another connection holds (``CLAUDE_TEXTUAL_BUSY_TIMEOUT``, seconds)."""
ELSEWHERE = "or use another database (--db PATH, or CLAUDE_TEXTUAL_DB)"


class StoreError(RecordError):
    """The database cannot be used; the message says why and what to do. The file is left as it was.

    ``kind`` names the cause when it is one of the environment's: ``full``, ``locked``, ``readonly``,
    ``damaged``, ``foreign``, ``newer``, ``io``; otherwise it is empty.
    """

    def __init__(self, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.kind = kind


def busy_timeout_ms() -> int:
    """The busy timeout: ``CLAUDE_TEXTUAL_BUSY_TIMEOUT`` (seconds) when set and valid, else 10 s."""
    value = os.environ.get("CLAUDE_TEXTUAL_BUSY_TIMEOUT", "")
    try:
        seconds = float(value)
    except ValueError:
        return BUSY_TIMEOUT_MS
    return int(seconds * 1000) if 0 <= seconds < 86_400 else BUSY_TIMEOUT_MS


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK, effective_ids=os.access in os.supports_effective_ids)


def _unwritable_reason(path: Path) -> str | None:
    """Why SQLite cannot write ``path`` and its -wal/-shm files beside it, if the permissions say so."""
    if path.exists() and not _writable(path):
        return f"the file is read-only; make it writable (chmod u+w {path})"
    if path.parent.exists() and not _writable(path.parent):
        return (
            f"its directory {path.parent} is not writable, and SQLite must create {path.name}-wal and "
            f"{path.name}-shm there; make the directory writable"
        )
    return None


def explain(error: BaseException, path: Path, timeout_ms: int | None = None) -> StoreError | None:
    """A StoreError for a SQLite failure caused by the environment, or None for any other error."""
    name = getattr(error, "sqlite_errorname", "") or ""
    detail = str(error)
    lowered = detail.lower()
    if name.startswith("SQLITE_FULL") or "disk is full" in lowered:
        return StoreError(
            f"The history database {path} is full: there is no space left on its disk (or a quota or size "
            "limit was reached), so this change was not saved. Free some space and try again; what was "
            "saved before is intact.",
            "full",
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in lowered:
        waited = f" for {(timeout_ms if timeout_ms is not None else busy_timeout_ms()) / 1000:g} s"
        return StoreError(
            f"The history database {path} is locked by another program (another claude-textual, or a tool "
            f"such as sqlite3 in the middle of a change) and it stayed locked{waited}. Close that program "
            f"or wait for it, then try again, {ELSEWHERE}.",
            "locked",
        )
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")) or (
        "readonly database" in lowered or "unable to open database" in lowered
    ):
        reason = _unwritable_reason(path)
        what = f"{reason}, {ELSEWHERE}" if reason else f"check its permissions and its disk, {ELSEWHERE}"
        return StoreError(f"Cannot write the history database {path} ({detail}): {what}.", "readonly")
    if (
        name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))
        or "malformed" in lowered
        or "not a database" in lowered
    ):
        return StoreError(
            f"{path} is not a usable claude-textual database: it is damaged, or not a database at all ({detail}). "
            "It has been left untouched: "
            f"move it aside (or put a backup in its place: {path.name}.backup-* beside it, if any), {ELSEWHERE}.",
            "damaged",
        )
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in lowered:
        return StoreError(
            f"A disk error stopped the history database {path} ({detail}). Check the disk (is it full, "
            f"unplugged or failing?) and try again, {ELSEWHERE}.",
            "io",
        )
    return None


def _set_pragmas(timeout_ms: int, dbapi_conn: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout={timeout_ms}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_error(path: Path, timeout_ms: int, context: Any) -> None:
    """SQLAlchemy's handle_error hook: environment failures become a StoreError that explains them."""
    found = explain(context.original_exception, path, timeout_ms)
    if found is not None:
        raise found


def _touch_private(path: Path) -> None:
    private_dir(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at ``path``; None when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def recreate(engine: Engine, path: Path) -> Engine:
    """The database ``engine`` still sees, written again at ``path``, and a new engine on it.

    A database file deleted while it is open lives on for the connections that have it open, with its
    ``-wal``: SQLite's backup copies every page as they see it into a new file at the same path."""
    _touch_private(path)
    with engine.connect() as conn:
        source = conn.connection.driver_connection
        target = sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            target.close()
    os.chmod(path, 0o600)
    return open_engine(path)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        has_table = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")
        ).first()
        if not has_table:
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return row[0] if row else None


def _state(engine: Engine) -> tuple[str | None, bool]:
    """The schema revision and whether the file is empty, decided from one reading of its table list.

    (Two readings could straddle another process's first migration: no revision yet, then tables,
    which would look like some other program's database.)
    """
    with engine.connect() as conn:
        names = {row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
    return (current_revision(engine) if "alembic_version" in names else None), not names


def _private_copy(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` byte for byte, the copy readable by its owner only from the start."""
    part = target.with_name(f".{target.name}.part")
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(part, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(part)
        raise


def backup_path(path: Path, revision: str) -> Path:
    """Where the copy taken before upgrading from ``revision`` goes: ``<name>.backup-<revision>``, or
    ``<name>.backup-<revision>-<n>`` when a different file already has that name (none is overwritten)."""
    candidate = path.with_name(f"{path.name}.backup-{revision}")
    n = 1
    while candidate.exists() and not filecmp.cmp(candidate, path, shallow=False):
        n += 1
        candidate = path.with_name(f"{path.name}.backup-{revision}-{n}")
    return candidate


def migrate(engine: Engine, path: Path | None = None) -> None:
    """Bring the schema to SCHEMA_HEAD, backing the file up first when it holds older data.

    Refuses, changing nothing, a database from a newer version and one that is not ours.
    """
    revision, empty = _state(engine)
    if revision == SCHEMA_HEAD:
        return
    where = path if path is not None else "the database"
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise StoreError(
            f"{where}: this database was written by a newer claude-textual (schema {revision}). "
            f"Upgrade claude-textual to open it, {ELSEWHERE}. The file has not been changed.",
            "newer",
        )
    if revision is None and not empty:
        raise StoreError(
            f"{where} is an SQLite database of some other program (it has tables but no claude-textual "
            f"schema). It has been left untouched: {ELSEWHERE.removeprefix('or ')}.",
            "foreign",
        )
    if revision is not None and path is not None:
        with engine.connect() as conn:  # anything still in the -wal goes into the file first
            conn.exec_driver_sql("PRAGMA wal_checkpoint(FULL)")
        backup = backup_path(path, revision)
        try:
            _private_copy(path, backup)
        except OSError as exc:
            raise StoreError(
                f"Cannot back up {path} to {backup} before upgrading its schema ({exc.strerror or exc}), so it "
                f"was not upgraded and has not been changed. Free some space (or make {path.parent} writable) "
                "and try again.",
                "full" if exc.errno == 28 else "readonly",
            ) from exc
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.connect() as conn:
        # One real transaction for every step: Python's sqlite3 runs DDL outside of any transaction
        # unless told otherwise, so a failed upgrade (a full disk) would leave half a schema behind.
        raw = conn.connection.driver_connection
        level = raw.isolation_level
        raw.isolation_level = None
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            conn.commit()
        except BaseException:
            if raw.in_transaction:
                raw.rollback()
            conn.rollback()
            raise
        finally:
            raw.isolation_level = level


def _cannot_create(path: Path, exc: OSError) -> StoreError:
    reason = _unwritable_reason(path)
    if reason is None:
        reason = f"{exc.strerror or exc}; check the path, its permissions and its disk"
    verb = "open" if path.exists() else "create"
    return StoreError(
        f"Cannot {verb} the history database {path}: {reason}, {ELSEWHERE}.",
        "full" if exc.errno == 28 else "readonly",
    )


@contextlib.contextmanager
def _opening(path: Path, timeout: float) -> Iterator[None]:
    """Hold the opening lock of ``path``'s directory: one process at a time migrates and switches a file.

    Several apps opening one new database at once would otherwise straddle each other's migration
    and switch to WAL, which SQLite refuses as a deadlock (``database is locked``) rather than waiting.
    The lock is an advisory ``flock`` on the directory itself, so it adds no file and does not touch
    the database's own (POSIX) locks; where it cannot be taken (no ``fcntl``) the open goes ahead.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise explain(sqlite3.OperationalError("database is locked"), path) from None
                time.sleep(0.02)
            except OSError:
                break  # a file system without flock: go ahead unlocked
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _switch_to_wal(engine: Engine, timeout: float) -> str:
    """Put the database in WAL mode; the journal mode it ends in.

    The switch needs the file to itself for a moment and, when another program has it open, fails
    at once instead of waiting (the old mode back, or ``database is locked``): it is tried again
    until ``timeout``.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            with engine.connect() as conn:
                mode = str(conn.exec_driver_sql("PRAGMA journal_mode=WAL").scalar()).lower()
        except StoreError as exc:
            if exc.kind != "locked" or time.monotonic() >= deadline:
                raise
            mode = ""
        if mode == "wal" or (mode and time.monotonic() >= deadline):
            return mode
        time.sleep(0.05)


def open_engine(path: Path) -> Engine:
    """Open (creating if needed) the history database at ``path``, migrated to the current schema."""
    path = Path(path).expanduser()
    try:
        _touch_private(path)
    except OSError as exc:
        raise _cannot_create(path, exc) from exc
    timeout_ms = busy_timeout_ms()
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": timeout_ms / 1000},
    )
    event.listen(engine, "connect", lambda conn, record: _set_pragmas(timeout_ms, conn, record))
    event.listen(engine, "handle_error", lambda context: _on_error(path, timeout_ms, context))
    try:
        # The schema first, the switch to WAL after: a file refused or a migration that fails
        # leaves the file's bytes as they were.
        with _opening(path, timeout_ms / 1000):
            migrate(engine, path)
            mode = _switch_to_wal(engine, timeout_ms / 1000)
        if mode != "wal":
            raise StoreError(f"{path}: cannot switch the database to WAL mode (got {mode}).")
    except StoreError:
        engine.dispose()
        raise
    except (DBAPIError, SQLAlchemyError) as exc:
        engine.dispose()
        orig = getattr(exc, "orig", None) or exc
        raise StoreError(
            f"Cannot open the history database {path} ({orig}). Check the file and its disk, {ELSEWHERE}."
        ) from exc
    except OSError as exc:
        engine.dispose()
        raise _cannot_create(path, exc) from exc
    return engine
