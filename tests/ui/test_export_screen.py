"""The export dialog (Markdown / JSON / HTML to a 0600 file, or to the clipboard) and copy_text."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from claude_textual.core.model import Message
from claude_textual.store.history import History
from claude_textual.ui import clipboard
from claude_textual.ui.clipboard import copy_text
from claude_textual.ui.screens.export import ExportScreen, slugify
from tests.ui.modalhost import run_host
from tests.ui.uihelpers import wait_for

TITLE = "Scripts & <tags>: a test"
EVIL = "<script>alert('x')</script>"


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SSH_TTY", "/dev/pts/9")  # no local clipboard tool is tried
    history = History(tmp_path / "h.db")
    conversation = history.create_conversation(TITLE, "claude-test")
    history.add_message(
        conversation.id, Message(role="user", content=[{"type": "text", "text": f"Say {EVIL}"}])
    )
    history.add_message(
        conversation.id,
        Message(
            role="assistant", model="claude-test", content=[{"type": "text", "text": f"Here: {EVIL} done"}]
        ),
    )
    yield history, conversation
    history.close()


def default_file(tmp_path: Path, conversation, ext: str) -> Path:
    return tmp_path / f"scripts-tags-a-test-{conversation.id[:8]}.{ext}"


def message_of(screen: ExportScreen) -> str:
    return str(screen.query_one("#export-message").render())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def save_and_wait(pilot, app) -> str:
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: app.results, what="saved")
    return app.results[-1]


async def test_markdown_is_the_default_and_saves_a_private_file(store, tmp_path):
    history, conversation = store
    screen = ExportScreen(history, conversation.id)
    app, running = run_host(screen)
    async with running as pilot:
        path = default_file(tmp_path, conversation, "md")
        assert screen.query_one("#export-path").value == str(path)
        status = await save_and_wait(pilot, app)
    assert status.startswith(f"Saved the Markdown transcript to {path}")
    assert mode(path) == 0o600
    text = path.read_text()
    assert "Scripts &" in text  # the title (Markdown may escape the <tags>)
    assert "alert" in text
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]  # no temp file left


async def test_json_key_switches_format_and_path(store, tmp_path):
    history, conversation = store
    screen = ExportScreen(history, conversation.id)
    app, running = run_host(screen)
    async with running as pilot:
        await pilot.press("j")
        path = default_file(tmp_path, conversation, "json")
        assert screen.fmt == "json" and screen.query_one("#export-path").value == str(path)
        assert screen.query_one("#fmt-json").value
        status = await save_and_wait(pilot, app)
    assert "JSON" in status and mode(path) == 0o600
    data = json.loads(path.read_text())
    assert data["id"] == conversation.id and data["title"] == TITLE
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"]
    assert data["messages"][1]["content"][0]["text"] == f"Here: {EVIL} done"


async def test_html_escapes_script(store, tmp_path):
    history, conversation = store
    screen = ExportScreen(history, conversation.id)
    app, running = run_host(screen)
    async with running as pilot:
        await pilot.press("h")
        await save_and_wait(pilot, app)
    path = default_file(tmp_path, conversation, "html")
    assert mode(path) == 0o600
    page = path.read_text()
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "&lt;tags&gt;" in page


async def test_enter_in_the_path_saves_to_an_edited_path_making_parents(store, tmp_path):
    history, conversation = store
    screen = ExportScreen(history, conversation.id)
    app, running = run_host(screen)
    async with running as pilot:
        target = tmp_path / "new" / "dir" / "mine.md"
        path_input = screen.query_one("#export-path")
        path_input.value = "new/dir/mine.md"  # relative to the working directory
        path_input.focus()
        await pilot.press("m")  # typed into the input, not a format key
        assert path_input.value == "new/dir/mine.mdm"
        await pilot.press("backspace")
        await pilot.press("shift+tab", "shift+tab")  # back to the format chooser
        await pilot.press("j")  # a user-chosen name keeps its name; only the extension follows
        assert path_input.value == "new/dir/mine.json"
        await pilot.press("m")
        assert path_input.value == "new/dir/mine.md"
        path_input.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.results, what="saved")
    assert target.is_file() and mode(target) == 0o600


async def test_bad_path_shows_the_error_and_stays(store, tmp_path):
    history, conversation = store
    (tmp_path / "a-file").write_text("x")
    screen = ExportScreen(history, conversation.id)
    app, running = run_host(screen)
    async with running as pilot:
        screen.query_one("#export-path").value = str(tmp_path / "a-file" / "sub" / "out.md")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Could not save" in message_of(screen), what="the error")
        assert "Not a directory" in message_of(screen)
        assert screen.query_one("#export-message").has_class("-error")
        assert app.screen is screen and not app.results
        assert not screen.query_one("#export-save").disabled  # ready to try again

        screen.query_one("#export-path").value = str(tmp_path)  # a directory
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "is a directory" in message_of(screen) and app.screen is screen

        screen.query_one("#export-path").value = str(tmp_path / "ok.md")
        await save_and_wait(pilot, app)
    assert (tmp_path / "ok.md").is_file()


async def test_existing_file_needs_a_second_save(store, tmp_path):
    history, conversation = store
    existing = default_file(tmp_path, conversation, "md")
    existing.write_text("old")
    existing.chmod(0o644)
    screen = ExportScreen(history, conversation.id)
    app, running = run_host(screen)
    async with running as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "exists" in message_of(screen) and not app.results
        assert existing.read_text() == "old"
        await save_and_wait(pilot, app)
    assert existing.read_text() != "old" and mode(existing) == 0o600


async def test_copy_puts_the_text_on_the_clipboard(store):
    history, conversation = store
    screen = ExportScreen(history, conversation.id)
    app, running = run_host(screen)
    async with running as pilot:
        await pilot.press("j", "ctrl+y")
        await wait_for(pilot, lambda: app.results, what="copied")
        assert json.loads(app.clipboard)["title"] == TITLE
        [status] = app.results
        assert (
            status
            == f"Copied {len(app.clipboard):,} characters (terminal clipboard, OSC 52) — the JSON transcript."
        )


async def test_copy_button_and_cancel(store):
    history, conversation = store
    screen = ExportScreen(history, conversation.id)
    app, running = run_host(screen)
    async with running as pilot:
        await pilot.click("#export-copy")
        await wait_for(pilot, lambda: app.results, what="copied")
        assert "Scripts" in app.clipboard and app.results[0].startswith("Copied")

    screen = ExportScreen(history, conversation.id)
    app, running = run_host(screen)
    async with running as pilot:
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.results, what="cancelled")
    assert app.results == [None]


async def test_missing_conversation(store):
    history, _ = store
    screen = ExportScreen(history, "nope")
    app, running = run_host(screen)
    async with running as pilot:
        assert "no longer exists" in message_of(screen)
        await pilot.press("ctrl+s", "ctrl+y")
        await pilot.pause()
        assert app.screen is screen and not app.results


def test_slugify():
    assert slugify("Hello, World!") == "hello-world"
    assert slugify("東京 café / notes") == "東京-café-notes"
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("!!!") == "conversation"
    assert len(slugify("x" * 200)) <= 48


# ---- copy_text --------------------------------------------------------------------------------------
class FakeApp:
    def __init__(self) -> None:
        self.copied: list[str] = []

    def copy_to_clipboard(self, text: str) -> None:
        self.copied.append(text)


@pytest.fixture
def fake_wl_copy(tmp_path, monkeypatch):
    """A ``wl-copy`` on PATH that writes what it reads to a file."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    out = tmp_path / "pasted"
    tool = bin_dir / "wl-copy"
    tool.write_text(f"#!/bin/sh\ncat > '{out}'\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return out


async def test_copy_text_uses_a_local_tool_off_ssh(fake_wl_copy):
    app = FakeApp()
    text = "héllo 東京\nline two"
    env = {"WAYLAND_DISPLAY": "wayland-0"}
    assert await copy_text(app, text, env=env) == (
        f"Copied {len(text)} characters (terminal clipboard, OSC 52 + wl-copy)",
        True,
    )
    assert app.copied == [text] and fake_wl_copy.read_text() == text


async def test_copy_text_skips_local_tools_over_ssh(fake_wl_copy):
    app = FakeApp()
    env = {"WAYLAND_DISPLAY": "wayland-0", "SSH_CONNECTION": "1.2.3.4 5 6.7.8.9 22"}
    assert await copy_text(app, "x", env=env) == ("Copied 1 character (terminal clipboard, OSC 52)", False)
    assert app.copied == ["x"] and not fake_wl_copy.exists()


async def test_copy_text_survives_a_failing_tool(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("xclip", "xsel"):
        (bin_dir / name).write_text("#!/bin/sh\nexit 1\n")
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    app = FakeApp()
    assert await copy_text(app, "x" * 1234, env={"DISPLAY": ":0"}) == (
        "Copied 1,234 characters (terminal clipboard, OSC 52)",
        False,
    )
    assert clipboard.local_tools({"DISPLAY": ":0"})[0][0] == "xclip"
    assert clipboard.local_tools({}) == []  # no display: the X tools are not tried
    if sys.platform != "darwin":
        assert all(name != "pbcopy" for name, _ in clipboard.local_tools({"DISPLAY": ":0"}))


async def test_a_slow_clipboard_tool_does_not_hold_the_screen(make_app, history, tmp_path, monkeypatch):
    """``c`` with a local tool that does not finish until told: the user keeps typing in the meantime,
    and the copy is reported once the tool is done."""
    from claude_textual.core.model import Message, user_text_message
    from claude_textual.ui.widgets.message_pane import MessagePane
    from claude_textual.ui.widgets.prompt import PromptBox
    from tests.ui.uihelpers import NotificationLog, ready, run, wait_for

    conversation = history.create_conversation("copy me", "claude-test")
    history.add_message(conversation.id, user_text_message("hi"))
    history.add_message(conversation.id, Message("assistant", [{"type": "text", "text": "the answer"}]))
    bin_dir, go, out = tmp_path / "bin", tmp_path / "go", tmp_path / "pasted"
    bin_dir.mkdir()
    tool = bin_dir / "wl-copy"
    tool.write_text(f"#!/bin/sh\nwhile [ ! -e '{go}' ]; do sleep 0.05; done\ncat > '{out}'\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.setattr(clipboard, "LOCAL_TIMEOUT", 120.0)  # the tool finishes when told, not by a timeout
    for name in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"):
        monkeypatch.delenv(name, raising=False)
    log = NotificationLog()
    app = make_app(resume="last")
    async with run(app, log) as pilot:
        await ready(pilot)
        pane = app.screen.query_one(MessagePane)
        await wait_for(pilot, lambda: len(pane.message_widgets()) == 2, what="the conversation")
        pane.focus()
        await pilot.press("k", "c")
        await wait_for(pilot, lambda: app.clipboard == "the answer", what="OSC 52 at once")
        prompt = app.screen.query_one(PromptBox)
        prompt.focus()
        await pilot.press(*"still typing")
        await wait_for(pilot, lambda: prompt.text == "still typing", what="keys while the tool runs")
        assert not out.exists() and not any("Copied" in n.message for n in log.items)
        go.touch()
        await wait_for(pilot, lambda: any("wl-copy" in n.message for n in log.items), what="the report")
    assert out.read_text() == "the answer"
