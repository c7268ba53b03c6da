"""bench/big_input.py runs end to end at a tiny scale and finds every byte in the database (no timing
is asserted: the bench prints figures). In-process, so the SDK and Textual are imported once."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "big_input.py"


def test_big_input_bench_runs_small_and_the_database_holds_every_byte(capsys):
    spec = importlib.util.spec_from_file_location("big_input", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--scale", "0.002", "--timeout", "120", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is True
    assert result["database_holds_every_byte"] == {"paste": True, "reply": True, "code": True}
    assert result["sizes"]["paste_bytes"] >= 1000 and result["sizes"]["code_lines"] >= 100
    for name in ("reply", "code"):
        figures = result[name]
        assert "timed_out_after_s" not in figures, figures
        assert figures["last_byte_to_final_paint_s"] >= 0 and figures["lag"]["max_ms"] >= 0
    assert result["paste"]["accepted_painted_s"] >= result["paste"]["insert_s"] >= 0
