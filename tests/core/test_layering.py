"""The core, the store and the exporter stand without Textual; the SDK loads only when a client is made."""

from __future__ import annotations

import json
import subprocess
import sys

CORE_MODULES = [
    "claude_textual.core.stream",
    "claude_textual.core.turn",
    "claude_textual.core.requests",
    "claude_textual.core.branches",
    "claude_textual.core.tools",
    "claude_textual.store.history",
    "claude_textual.transcripts.export",
]


def loaded_after_import(*modules: str) -> set[str]:
    """Top-level packages in sys.modules after importing ``modules`` in a fresh interpreter."""
    code = (
        "import sys, json\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout))


def test_core_store_and_export_import_neither_textual_nor_the_sdk():
    loaded = loaded_after_import(*CORE_MODULES)
    assert "claude_textual" in loaded
    assert "textual" not in loaded
    assert "anthropic" not in loaded
    assert "mcp" not in loaded  # imported when a configured server first starts


def test_ui_app_does_not_import_the_sdk():
    loaded = loaded_after_import("claude_textual.ui.app")
    assert "textual" in loaded
    assert "anthropic" not in loaded
    assert "mcp" not in loaded
