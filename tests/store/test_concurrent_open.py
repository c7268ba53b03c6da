"""Several processes creating and opening the same new database at once: each one opens it."""

from __future__ import annotations

import subprocess
import sys

OPEN = """
import sys, time
from claude_textual.store.history import History
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
history = History(sys.argv[1])
history.create_conversation("from " + sys.argv[3], "m")
history.close()
"""


def test_processes_opening_a_new_database_together_all_succeed(tmp_path):
    import time

    db = tmp_path / "history.db"
    start = time.time() + 1.5  # every process imports first, then all open at this moment
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN, str(db), str(start), str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
    assert [code for code, _ in results] == [0] * 4, [err for _, err in results]
    from claude_textual.store.history import History

    history = History(db)
    try:
        assert history.count_conversations() == 4
    finally:
        history.close()
