"""The SQLite engine (WAL, foreign keys, busy timeout, private files) and schema migrations.

The schema version is read with one query; Alembic is imported only when the database needs
creating or upgrading, and a backup copy is taken before an existing database is migrated.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError, OperationalError

from claude_textual.config import private_dir

SCHEMA_HEAD = "0002"
"""The newest migration's revision; a test checks it against the migrations folder."""
KNOWN_REVISIONS = ("0001", "0002")
BUSY_TIMEOUT_MS = 10_000


class StoreError(Exception):
    """The database cannot be used; the message says why and what to do. The file is left as it was."""


def _set_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _touch_private(path: Path) -> None:
    private_dir(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        has_table = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")
        ).first()
        if not has_table:
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return row[0] if row else None


def migrate(engine: Engine, path: Path | None = None) -> None:
    """Bring the schema to SCHEMA_HEAD, backing the file up first when it holds older data."""
    revision = current_revision(engine)
    if revision == SCHEMA_HEAD:
        return
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise StoreError(
            f"{path}: this database was written by a newer claude-textual (schema {revision}). "
            "Upgrade claude-textual to open it; the file has not been changed."
        )
    if revision is not None and path is not None:
        backup = path.with_name(f"{path.name}.backup-{revision}")
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(FULL)")
        shutil.copy2(path, backup)
        os.chmod(backup, 0o600)
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def open_engine(path: Path) -> Engine:
    """Open (creating if needed) the history database at ``path``, migrated to the current schema."""
    path = Path(path).expanduser()
    try:
        _touch_private(path)
    except OSError as exc:
        raise StoreError(f"Cannot create the database at {path}: {exc.strerror or exc}") from exc
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )
    event.listen(engine, "connect", _set_pragmas)
    try:
        with engine.connect() as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode=WAL").scalar()
            if str(mode).lower() != "wal":
                raise StoreError(f"{path}: cannot switch the database to WAL mode (got {mode}).")
        migrate(engine, path)
    except StoreError:
        engine.dispose()
        raise
    except OperationalError as exc:
        engine.dispose()
        raise StoreError(f"Cannot open the database {path}: {exc.orig}") from exc
    except DatabaseError as exc:
        engine.dispose()
        raise StoreError(
            f"{path} is not a usable claude-textual database ({exc.orig}). It has been left untouched; "
            "move it aside or point --db elsewhere."
        ) from exc
    return engine
