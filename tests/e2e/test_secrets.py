"""Secrets and private files, end to end.

With ANTHROPIC_API_KEY set to a sentinel, the installed app runs a turn in a real pty (Textual's own
log switched on with TEXTUAL_LOG), then the command line exports the conversation to Markdown, JSON
and HTML files and upgrades an older database. Then every file under the test's directory (data,
config, exports, backups, the log, home and XDG dirs) is read: the key is in none of them, nor in the
database, its -wal or its -shm (read while the app still had them open).

And the files are private: the database, -wal, -shm, exports and backups 0600; every directory we
create 0700; config.toml is only ever read (we never write it, nor create one).
"""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path

import pytest

from claude_textual.config import private_dir
from tests.conftest import ScriptedAPI, fixture_reply
from tests.e2e._pty import PtyRun, clean_env, installed_command, run_to_end, visible
from tests.store import _old_schema as old

SENTINEL = f"sk-ant-SENTINEL-{uuid.uuid4().hex}"
REPLY_TEXT = b"Here are the basic steps"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_private_dir_makes_every_missing_level_0700(tmp_path):
    old_umask = os.umask(0o022)
    try:
        private_dir(tmp_path / "a" / "b" / "c")
    finally:
        os.umask(old_umask)
    for level in ("a", "a/b", "a/b/c"):
        assert mode(tmp_path / level) == 0o700, level
    (tmp_path / "kept").mkdir(mode=0o755)
    private_dir(tmp_path / "kept" / "inner")
    assert mode(tmp_path / "kept") == 0o755  # a directory that was there is left as it was


@pytest.mark.e2e
def test_the_api_key_is_written_nowhere_and_our_files_are_private(api: ScriptedAPI, tmp_path: Path):
    (tmp_path / "home").mkdir()
    config = tmp_path / "config.toml"
    config.write_text('max_retries = 0\ntimeout = 30.0\ntitle_model = ""\n')
    config_stat = (config.read_bytes(), config.stat().st_mtime_ns)
    db = tmp_path / "data" / "nested" / "history.db"  # both directories are ours to create
    env = clean_env(
        tmp_path,
        ANTHROPIC_API_KEY=SENTINEL,
        ANTHROPIC_BASE_URL=api.url,
        CLAUDE_TEXTUAL_DB=str(db),
        CLAUDE_TEXTUAL_CONFIG=str(config),
        TEXTUAL_LOG=str(tmp_path / "logs" / "textual.log"),
    )
    (tmp_path / "logs").mkdir()
    api.then(fixture_reply("real_thinking_text.sse"))

    app = PtyRun([installed_command(), "--prompt", "How do I cross the street?"], env)
    try:
        app.wait_for(lambda out: REPLY_TEXT in visible(out), "the reply on screen")
        app.wait_for(lambda out: b"reply in 43 out 282" in visible(out), "the reply to be saved", 15)
        # while the app runs: the database and its -wal and -shm, as they are on disk now
        live = {p.name: (p.read_bytes(), mode(p)) for p in db.parent.iterdir()}
        app.send(b"\x11")  # Ctrl+Q
        assert app.finish() == 0
    finally:
        app.close()
    sent = {k.lower(): v for k, v in api.requests[0].headers.items()}
    assert SENTINEL in (sent.get("x-api-key"), sent.get("authorization", "").removeprefix("Bearer ")), (
        "the test is void: the key did not even reach the API"
    )

    assert {"history.db", "history.db-wal", "history.db-shm"} <= set(live), sorted(live)
    for name, (data, file_mode) in live.items():
        assert SENTINEL.encode() not in data, f"the API key is in {name}"
        assert file_mode == 0o600, f"{name} is {oct(file_mode)}"

    # the command line: exports to files in directories it creates, an upgrade of an older database
    exports = tmp_path / "exports" / "sub"
    command = installed_command()
    for fmt in ("md", "json", "html"):
        code, out = run_to_end(
            [command, "export", "--last", "--format", fmt, "-o", str(exports / f"c.{fmt}")], env
        )
        assert code == 0, out.decode(errors="replace")
    older = tmp_path / "older" / "history.db"
    old.build_at(older, old.revisions()[0])
    code, out = run_to_end([command, "list", "--db", str(older)], env)
    assert code == 0 and old.TITLE.encode() in out, out.decode(errors="replace")

    # nothing anywhere holds the key
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert (tmp_path / "logs" / "textual.log") in files, "Textual's log was not written: the check is void"
    leaks = [str(p.relative_to(tmp_path)) for p in files if SENTINEL.encode() in p.read_bytes()]
    assert leaks == [], f"the API key was written to {leaks}"
    text_exports = [exports / f"c.{fmt}" for fmt in ("md", "json", "html")]
    assert all(REPLY_TEXT in p.read_bytes() for p in text_exports)

    # private files and directories
    assert mode(db) == 0o600
    for path in text_exports:
        assert mode(path) == 0o600, path
    [backup] = [p for p in older.parent.iterdir() if ".backup-" in p.name]
    assert mode(backup) == 0o600 and mode(older) == 0o600
    for directory in (db.parent, db.parent.parent, exports, exports.parent):
        assert mode(directory) == 0o700, directory
    leftovers = [p.name for p in db.parent.iterdir()]
    assert all(mode(db.parent / name) == 0o600 for name in leftovers), leftovers

    # config.toml is read, never written; none is created where the default one would be
    assert (config.read_bytes(), config.stat().st_mtime_ns) == config_stat
    assert not (tmp_path / "xdg-config").exists()
    assert not list(tmp_path.rglob("config.toml.*")) and list(tmp_path.rglob("config.toml")) == [config]
