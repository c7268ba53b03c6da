"""Everything but ui/ stands without Textual and Rich; the SDK loads only when a client is made.

Each module is imported alone in a fresh interpreter, so a module that pulls in a UI library (or the
SDK) is named, whatever imported it first. The layers themselves (ui > session > transcripts > store
> core) are import-linter contracts in pyproject.toml, checked by ``.ci/run``.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import claude_textual

HEADLESS = ("core", "store", "transcripts", "session")


def headless_modules() -> list[str]:
    found = ["claude_textual.config", "claude_textual.cli"]
    for info in pkgutil.walk_packages(claude_textual.__path__, "claude_textual."):
        if info.name.split(".")[1] in HEADLESS and ".migrations" not in info.name:
            found.append(info.name)
    return sorted(found)


def loaded_after_import(*modules: str) -> set[str]:
    """Top-level packages in sys.modules after importing ``modules`` in a fresh interpreter."""
    code = (
        "import sys, json\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout))


def test_every_headless_package_is_listed():
    names = headless_modules()
    for package in HEADLESS:
        assert f"claude_textual.{package}" in names
    assert "claude_textual.core.turn" in names and "claude_textual.session.chat" in names


@pytest.mark.parametrize("module", headless_modules())
def test_a_headless_module_imports_neither_textual_rich_nor_the_sdk(module):
    loaded = loaded_after_import(module)
    assert "claude_textual" in loaded
    assert not {"textual", "rich"} & loaded, f"{module} pulls in a UI library"
    assert "anthropic" not in loaded  # imported when the first client is made
    assert "mcp" not in loaded  # imported when a configured server first starts


def test_ui_app_does_not_import_the_sdk():
    loaded = loaded_after_import("claude_textual.ui.app")
    assert "textual" in loaded
    assert "anthropic" not in loaded
    assert "mcp" not in loaded
