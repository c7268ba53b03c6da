"""Several processes creating and opening the same new database at once: each one opens it.

Without the opening lock, 8 processes on a busy 2-core machine lost this race in about one round in
ten (SQLite refuses the switch to WAL as a deadlock); several rounds give the test a chance to see it.
One process imports the app and forks the openers, so a round costs no imports.
"""

from __future__ import annotations

import subprocess
import sys

OPEN = """
import os, sys, traceback
from claude_textual.store.history import History
processes, rounds, folder = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
failed = 0
for round_ in range(rounds):
    db = os.path.join(folder, f"history-{round_}.db")
    go_read, go_write = os.pipe()
    children = []
    for n in range(processes):
        pid = os.fork()
        if pid == 0:
            os.close(go_write)
            os.read(go_read, 1)  # every opener is forked and waiting: all open at once
            try:
                history = History(db)
                history.create_conversation(f"from {n}", "m")
                history.close()
            except BaseException:
                traceback.print_exc()
                os._exit(1)
            os._exit(0)
        children.append(pid)
    os.write(go_write, b"x" * processes)
    codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
    failed += sum(code != 0 for code in codes)
    print(db, flush=True)
sys.exit(1 if failed else 0)
"""
PROCESSES = 8
ROUNDS = 10


def test_processes_opening_a_new_database_together_all_succeed(tmp_path):
    run = subprocess.run(
        [sys.executable, "-c", OPEN, str(PROCESSES), str(ROUNDS), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    from claude_textual.store.history import History

    databases = run.stdout.split()
    assert len(databases) == ROUNDS
    for db in databases:
        history = History(db)
        try:
            titles = sorted(c.title for c in history.list_conversations())
        finally:
            history.close()
        assert titles == sorted(f"from {n}" for n in range(PROCESSES))


def test_an_open_held_up_by_another_opener_past_the_busy_timeout_says_the_database_is_locked(
    tmp_path, monkeypatch
):
    import fcntl
    import os

    import pytest

    from claude_textual.store.engine import StoreError, open_engine

    monkeypatch.setenv("CLAUDE_TEXTUAL_BUSY_TIMEOUT", "0.2")
    held = os.open(tmp_path, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)  # another process in the middle of opening (a migration)
    try:
        with pytest.raises(StoreError) as raised:
            open_engine(tmp_path / "history.db")
    finally:
        os.close(held)
    assert raised.value.kind == "locked"
    assert "locked by another program" in str(raised.value)
    open_engine(tmp_path / "history.db").dispose()  # and once it is let go, it opens
