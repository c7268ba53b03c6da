"""bench/big_input.py runs end to end at a tiny scale and finds every byte in the database (no timing
is asserted: the bench prints figures)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "big_input.py"


def test_big_input_bench_runs_small_and_the_database_holds_every_byte():
    done = subprocess.run([sys.executable, str(BENCH), "--scale", "0.002", "--json"],
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    result = json.loads(done.stdout)
    assert result["ok"] is True
    assert result["database_holds_every_byte"] == {"paste": True, "reply": True, "code": True}
    assert result["sizes"]["paste_bytes"] >= 1000 and result["sizes"]["code_lines"] >= 100
    for name in ("reply", "code"):
        figures = result[name]
        assert figures["last_byte_to_final_paint_s"] >= 0 and figures["lag"]["max_ms"] >= 0
    assert result["paste"]["accepted_painted_s"] >= result["paste"]["insert_s"] >= 0
