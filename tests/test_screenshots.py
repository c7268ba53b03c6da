"""The README's screenshots are made by ``screenshots/make.py``: it runs here, into a temporary folder,
and each picture shows what it is there to show."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "screenshots"))

import make  # noqa: E402

SHOWS = {
    "chat": ["‹ 2/2 ›", "Thinking", "with_backoff", "Summarise the Q3 report", "$0.0211"],
    "streaming": ["streaming…", "TTLCache", "A small TTL cache"],
    "search": ["3 matches", "backoff"],
    "usage": ["Cost by day", "claude-sonnet-5-5", "genai-prices"],
    "settings": ["claude-sonnet-5-5"],
    "export": ["Export conversation", "Markdown", "retry-with-exponential-backoff"],
    "help": ["Ctrl+S"],
    "citations": ["What changed in Sonnet 5.5?", "[1] Migrating to Claude Sonnet 5.5"],
}


def test_the_screenshot_script_draws_every_screen(tmp_path):
    made = make.make(tmp_path)
    assert sorted(p.name for p in made) == sorted(f"{name}.svg" for name in SHOWS)
    for name, expected in SHOWS.items():
        text = make.shown_text((tmp_path / f"{name}.svg").read_text())
        missing = [e for e in expected if e not in text]
        assert not missing, (name, missing)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert all(f"screenshots/{name}.svg" in readme for name in SHOWS)
