"""Attaching files in the app: ``@`` completion, the file picker, a pasted path, removing a chip; what
is sent, and what the transcript shows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input

from claude_textual.ui.widgets.composer import Chip, Completions, candidates
from claude_textual.ui.widgets.prompt import PromptBox
from tests.core._streams import stream_reply, text_reply
from tests.files import pdf, png
from tests.ui.uihelpers import NotificationLog, assistants, idle, plain, ready, run, toasts, users, wait_for


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the app is started: docs/chart.png, docs/report.pdf, notes.md, blob.bin."""
    (tmp_path / "docs").mkdir()
    png(tmp_path / "docs" / "chart.png", 2400, 1600)
    pdf(tmp_path / "docs" / "report.pdf", pages=3)
    (tmp_path / "notes.md").write_text("# Notes\nthe zebra count is 12\n")
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def chips(app) -> list[str]:
    return [plain(chip) for chip in app.screen.query(Chip)]


def sent_media(api) -> list[tuple[str, str]]:
    content = api.requests[-1].body["messages"][-1]["content"]
    return [(b["type"], b["source"]["media_type"]) for b in content if b["type"] in ("image", "document")]


async def test_at_completion_walks_into_a_folder_and_tab_attaches_the_file(make_app, api, files):
    api.then(stream_reply(text_reply(["Seen."])))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        box = app.screen.query_one(PromptBox)
        box.focus()
        await pilot.press(*"look at @do")
        menu = app.screen.query_one(Completions)
        await wait_for(pilot, lambda: menu.has_class("-shown") and menu.option_count == 1, what="docs/")
        await pilot.press("tab")
        assert box.text == "look at @docs/"
        await wait_for(pilot, lambda: menu.option_count == 2, what="the folder's files")
        assert [str(menu.get_option_at_index(i).prompt) for i in range(2)] == [
            "docs/chart.png",
            "docs/report.pdf",
        ]
        await pilot.press("down", "tab")
        await wait_for(pilot, lambda: chips(app), what="the chip")
        assert chips(app)[0].startswith("📎 report.pdf · pdf · ")
        assert "3 pages" in chips(app)[0] and box.text == "look at " and not menu.has_class("-shown")
        await pilot.press(*"this", "ctrl+s")
        await wait_for(pilot, lambda: assistants(app) and idle(app), what="the reply")
        assert sent_media(api) == [("document", "application/pdf")]
        assert chips(app) == []  # they went with the prompt
        assert plain(users(app)[0]).startswith("📎 report.pdf · pdf · ")


async def test_the_picker_attaches_the_file_chosen(make_app, api, files):
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: app.screen.query(Input) and app.screen.title != "", what="the picker")
        field = app.screen.query_one(Input)
        field.value = "notes.md"
        field.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: chips(app), what="the chip")
        assert chips(app)[0].startswith("📎 notes.md · text · 30 B")


async def test_a_pasted_path_is_offered_and_a_chip_can_be_removed(make_app, api, files):
    api.then(stream_reply(text_reply(["Seen."])))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        box = app.screen.query_one(PromptBox)
        box.focus()
        app.post_message(events.Paste(f"'{files / 'docs' / 'chart.png'}'"))  # as a terminal pastes a drop
        await wait_for(
            pilot, lambda: "Attach chart.png?" in getattr(app.screen, "question", ""), what="the offer"
        )
        await pilot.press("y")
        await wait_for(pilot, lambda: chips(app), what="the chip")
        assert chips(app)[0].startswith("📎 chart.png · image · ") and "1568×1045" in chips(app)[0]
        assert box.text == ""
        app.post_message(events.Paste(str(files / "notes.md")))
        await wait_for(pilot, lambda: "Attach notes.md?" in getattr(app.screen, "question", ""), what="offer")
        await pilot.press("n")  # pasted as text instead
        await wait_for(pilot, lambda: box.text == str(files / "notes.md"), what="the text")
        app.screen.query_one(Chip).focus()
        await pilot.press("delete")
        await wait_for(pilot, lambda: not chips(app), what="the chip gone")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: assistants(app) and idle(app), what="the reply")
        assert sent_media(api) == []


async def test_a_file_that_cannot_be_attached_is_named_and_the_path_kept(make_app, api, files):
    log = NotificationLog()
    app = make_app()
    os.mkfifo(files / "pipe")
    async with run(app, log) as pilot:
        await ready(pilot)
        box = app.screen.query_one(PromptBox)
        box.focus()
        await pilot.press(*"@blo")
        menu = app.screen.query_one(Completions)
        await wait_for(pilot, lambda: menu.option_count == 1, what="blob.bin")
        await pilot.press("tab")
        await wait_for(pilot, lambda: log.of("warning"), what="the warning")
        assert "blob.bin: not an image, a PDF or UTF-8 text" in str(log.of("warning")[0].message)
        await wait_for(pilot, lambda: box.text == "@blob.bin", what="the path back")
        assert chips(app) == [] and api.requests == []
        app.post_message(events.Paste(str(files / "pipe")))  # a FIFO is no file: pasted as text
        await wait_for(pilot, lambda: box.text.endswith("pipe"), what="pasted text")
        assert toasts(app, "error") == []


def test_at_completion_lists_folders_first_and_expands_home(tmp_path, monkeypatch):
    (tmp_path / "home" / "Documents").mkdir(parents=True)
    (tmp_path / "home" / "Downloads.txt").write_text("x")
    (tmp_path / "home" / ".secret").write_text("x")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert candidates("~/Do", tmp_path) == [("~/Documents/", True), ("~/Downloads.txt", False)]
    assert candidates("~/", tmp_path) == [("~/Documents/", True), ("~/Downloads.txt", False)]
    assert candidates("~/.s", tmp_path) == [("~/.secret", False)]  # hidden ones when asked for
    assert candidates("home/Dow", tmp_path) == [("home/Downloads.txt", False)]
    assert candidates("nowhere/x", tmp_path) == []


async def test_the_picker_draws_a_hostile_file_name_inert(make_app, api, files):
    from textual_fspicker.parts import DirectoryNavigation

    (files / "evil\x1b[2J\x1b]52;c;aGk=\x07.txt").write_text("x")
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+l")
        listing = await wait_for(pilot, lambda: app.screen.query(DirectoryNavigation), what="the picker")
        entries = listing.first()
        await wait_for(pilot, lambda: entries.option_count >= 4, what="the entries")
        shown = "".join(
            "".join(
                seg.text
                for seg in app.console.render(
                    entries.get_option_at_index(i).prompt, app.console.options.update_width(300)
                )
            )
            for i in range(entries.option_count)
        )
        assert "evil␛[2J␛]52;c;aGk=" in shown and "\x1b" not in shown, repr(shown)
        index = next(
            i for i in range(entries.option_count) if "evil" in entries.get_option_at_index(i).location.name
        )
        entries.highlighted = index
        entries.action_select()
        field = app.screen.query_one(Input)
        await wait_for(pilot, lambda: field.value.startswith("evil"), what="the name in the field")
        assert "\x1b" not in field.value
