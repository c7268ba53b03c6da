"""The benchmarks run against the installed command and report figures (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "startup.py"


def test_startup_bench_prints_a_first_frame_time():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--runs", "1", "--json"], capture_output=True, text=True, timeout=240
    )
    assert done.returncode in (0, 1), f"the app did not start or quit cleanly:\n{done.stdout}\n{done.stderr}"
    result = json.loads(done.stdout)
    assert result["runs"] == 1
    assert isinstance(result["median_s"], float) and result["median_s"] > 0
    assert result["peak_rss_mib"] > 0
    # The one check that is not a timing: the SDK stays off the start-up path.
    assert result["sdk_imported_before_first_frame"] is not True, "SDK imported before the first frame"
    assert done.returncode == 0


STREAM = BENCH.parent / "stream.py"


def test_stream_bench_runs_every_part_at_tiny_sizes():
    """bench/stream.py end to end (stream, stress, startup, open; app and baseline) — figures, not timings."""
    done = subprocess.run(
        [
            sys.executable,
            str(STREAM),
            "--json",
            "--kb",
            "2",
            "--stress-kb",
            "2",
            "--rate",
            "200",
            "--stress-rate",
            "400",
            "--earlier",
            "2",
            "--earlier-kb",
            "1",
            "--lead",
            "0.3",
            "--conversations",
            "30",
            "--longest",
            "10",
            "--runs",
            "1",
            "--idle",
            "0.5",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    result = json.loads(done.stdout)
    assert len(result["streams"]) == 4  # stream and stress, with 0 and 2 earlier messages
    # the app's CPU is read from its own process, the child of the command (claude_textual/guard.py)
    assert sum(runs["claude-textual"]["cores"] for runs in result["streams"].values()) > 0
    for runs in result["streams"].values():
        for who in ("claude-textual", "baseline"):
            run = runs[who]
            assert run["cores"] >= 0 and run["paint_ms"] >= 0 and run["bytes_per_kb"] > 0
            assert run["peak_rss_mib"] > 0 and run["lag_ms"]["ticks"] > 0
    assert result["startup"]["empty_s"] > 0 and result["startup"]["big_s"] > 0
    assert result["startup"]["baseline_s"] > 0 and result["startup"]["rss_idle_mib"] > 0
    assert result["open"]["median_s"] is not None


COST = BENCH.parent / "cost.py"


def test_cost_bench_runs_a_short_conversation_through_the_caching_server():
    """bench/cost.py at 4 turns: it prints a row per gap with each policy's cost ratio."""
    done = subprocess.run(
        [sys.executable, str(COST), "--turns", "4", "--gaps", "0,6", "--json"],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["rows"]
    assert [r["gap_min"] for r in rows] == [0, 6]
    assert all(r[p] > 0 for r in rows for p in ("auto", "5m", "1h"))
    assert rows[0]["auto_hit_share"] > 0, "with no gaps, later turns read from the cache"
