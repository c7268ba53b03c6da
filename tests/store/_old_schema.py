"""Databases as earlier versions of claude-textual left them: the schema at any revision of our
migrations folder, filled with one conversation by plain SQL (no model code of today involved)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from claude_textual.store import engine as engine_module

MIGRATIONS = Path(engine_module.__file__).parent / "migrations"

CONVERSATION_ID = "0123456789abcdef0123456789abcdef"
TITLE = "Monotremes, old conversation"
WHEN = "2024-05-06 07:08:09.101112"
PROMPT = "How do platypuses lay eggs? ñandú 🦆"
OLD_WORD = "ZANZIBARQUOLL"  # found only in the reply's text: the search must find it after the upgrade
THINKING_WORD = "PLATYTHINK"
TOOL_WORD = "eggfinder"
RESULT_WORD = "NESTBURROW"
REPLY_BLOCKS: list[dict[str, Any]] = [
    {"type": "thinking", "thinking": f"They are monotremes. {THINKING_WORD}", "signature": "sig-old=="},
    {
        "type": "text",
        "text": f"Platypuses are monotremes: they lay leathery eggs. {OLD_WORD} ✓",
        "citations": None,
    },
    {"type": "tool_use", "id": "toolu_old_1", "name": TOOL_WORD, "input": {"animal": "platypus", "n": 2}},
]
RESULT_BLOCKS: list[dict[str, Any]] = [
    {
        "type": "tool_result",
        "tool_use_id": "toolu_old_1",
        "is_error": True,
        "content": [{"type": "text", "text": f"Tool unavailable {RESULT_WORD}"}],
    },
]
USAGE = {
    "input_tokens": 321,
    "output_tokens": 123,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 7,
    "service_tier": "standard",
}

# (role, blocks, status, stop_reason, error) of each message, in order
MESSAGES: list[tuple[str, list[dict[str, Any]], str, str | None, str | None]] = [
    ("user", [{"type": "text", "text": PROMPT}], "complete", None, None),
    ("assistant", REPLY_BLOCKS, "complete", "tool_use", None),
    ("user", RESULT_BLOCKS, "complete", None, None),
    ("assistant", [{"type": "text", "text": "Half a repl"}], "interrupted", None, "The stream ended early."),
]


def revisions() -> list[str]:
    """Every revision in the migrations folder, oldest first."""
    scripts = ScriptDirectory(str(MIGRATIONS))
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def head() -> str:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def message_id(seq: int) -> str:
    return f"{seq:02d}" + "m" * 30


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, bool, bool]]:
    """(name, not null, has a default) of each column of ``table``."""
    return [
        (row[1], bool(row[3]), row[4] is not None or bool(row[5]))
        for row in conn.execute(f"PRAGMA table_info({table})")
    ]


def _insert(conn: sqlite3.Connection, table: str, values: dict[str, Any]) -> None:
    """Insert the values this revision has columns for; a required column the test does not know
    fails loudly (a new migration added one: give it a value here)."""
    present = _columns(conn, table)
    names = [name for name, _, _ in present if name in values]
    missing = [
        name
        for name, required, default in present
        if required and not default and name not in values and name != "id"
    ]
    assert not missing, f"{table}: the test does not fill the required column(s) {missing}; add them"
    conn.execute(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [values[n] for n in names],
    )


def build_at(path: Path, revision: str, *, journal_mode: str = "wal") -> None:
    """Create the database at ``path`` with the schema at ``revision`` and one conversation in it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"PRAGMA journal_mode={journal_mode}")
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        engine.dispose()
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("PRAGMA foreign_keys=ON")
        _insert(
            conn,
            "conversation",
            {
                "id": CONVERSATION_ID,
                "title": TITLE,
                "model": "claude-old",
                "system": "Be brief.",
                "created_at": WHEN,
                "updated_at": WHEN,
                "archived": 0,
                "message_count": len(MESSAGES),
                "deleted_at": None,
                "leaf_id": message_id(len(MESSAGES) - 1),
            },
        )
        for seq, (role, blocks, status, stop_reason, error) in enumerate(MESSAGES):
            _insert(
                conn,
                "message",
                {
                    "id": message_id(seq),
                    "conversation_id": CONVERSATION_ID,
                    "seq": seq,
                    "role": role,
                    "parent_id": message_id(seq - 1) if seq else None,
                    "model": "claude-old" if role == "assistant" else None,
                    "stop_reason": stop_reason,
                    "status": status,
                    "error": error,
                    "api_id": f"msg_old_{seq}" if role == "assistant" else None,
                    "extra": json.dumps({}),
                    "created_at": WHEN,
                    "updated_at": WHEN,
                },
            )
            for idx, block in enumerate(blocks):
                _insert(
                    conn,
                    "block",
                    {
                        "message_id": message_id(seq),
                        "idx": idx,
                        "type": block["type"],
                        "data": json.dumps(block),
                    },
                )
        _insert(
            conn,
            "usage",
            {
                "message_id": message_id(1),
                "conversation_id": CONVERSATION_ID,
                "request_id": "req_old",
                "model": "claude-old",
                "input_tokens": USAGE["input_tokens"],
                "output_tokens": USAGE["output_tokens"],
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 7,
                "web_search_requests": 0,
                "web_fetch_requests": 0,
                "service_tier": "standard",
                "ttft_ms": 420,
                "duration_ms": 1800,
                "raw": json.dumps(USAGE),
                "created_at": WHEN,
            },
        )
    # the last connection closed: a WAL database is checkpointed and its -wal removed, as the app leaves it
