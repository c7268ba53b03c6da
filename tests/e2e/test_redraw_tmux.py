"""End to end: a real terminal (tmux) shows the same screen, colours included, whether the app writes
only what changed or every update whole (``CLAUDE_TEXTUAL_FULL_REDRAW``, Textual's own bytes), after a
long reply streamed below 20 earlier messages; and it was sent far fewer bytes."""

from __future__ import annotations

import re
import time
from itertools import zip_longest
from pathlib import Path

from claude_textual.ui.terminal_writer import FULL_REDRAW
from tests.conftest import ScriptedAPI
from tests.e2e.test_tmux import DEADLINE, Terminal, installed_command, quit_app, reply_done
from tests.ui.test_terminal_writer import REPLY, WIDTH, seed
from tests.ui.test_terminal_writer import Terminal as WriterTerminal
from tests.ui.uihelpers import streamed


def run(tmp: Path, app_env: dict[str, str], api: ScriptedAPI, full_redraw: bool) -> tuple[str, int]:
    """The screen (with colours) once the reply has settled, and the bytes written while it streamed."""
    tmp.mkdir()
    db = tmp / "h.db"
    seed(db)
    api.then(streamed([("text", [REPLY[i : i + 40] for i in range(0, len(REPLY), 40)])], pause=0.01))
    env = {
        **app_env,
        "CLAUDE_TEXTUAL_DB": str(db),
        "ANTHROPIC_API_KEY": "sk-test",
        "ANTHROPIC_BASE_URL": api.url,
    }
    if full_redraw:
        env[FULL_REDRAW] = "1"
    terminal = Terminal(tmp)
    raw = tmp / "raw.out"
    try:
        # tmux's own TERM declares no background erase, so blanks are written as spaces: capture-pane
        # leaves erased cells at a line's end out (the pyte tests cover erasing)
        terminal.start(["env", "TERM=tmux-256color", installed_command(), "--resume", "last"], env)
        terminal.wait_for(lambda s: "Message 19" in s and reply_done(s), "the earlier messages")
        terminal.tmux("pipe-pane", "-t", terminal.target, "-o", f"cat >> {raw}")
        terminal.tmux("send-keys", "-t", terminal.target, "-l", "go")
        terminal.press("C-s")
        terminal.wait_for(lambda s: "The end." in s and reply_done(s), "the reply")
        terminal.wait_for(lambda s: "The end." in s and reply_done(s) and "22 msgs" in s, "the reply, saved")
        terminal.press("BTab")  # the focus off the prompt box: its cursor blinks, in its own time
        screen = steady(terminal)
        quit_app(terminal)
    finally:
        terminal.kill()
    return screen, raw.stat().st_size


def steady(terminal: Terminal) -> str:
    """The screen once two captures a moment apart agree (nothing blinks once the prompt box has no focus)."""
    before, deadline = "", time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        screen = terminal.tmux("capture-pane", "-e", "-p", "-t", terminal.target)
        if screen == before:
            return screen
        before = screen
        time.sleep(0.6)
    raise AssertionError("the screen kept changing")


TIMING = re.compile(r"\d+(\.\d+)? ?(ms|s)\b")
"""A reply's timings (its footer): they differ from run to run, and so does their width."""
PANE_END = WIDTH - 3
"""Where the message pane's text ends: its scrollbar (two columns) and a margin follow."""


def cells(captured: str) -> list[list[tuple]]:
    """What each cell of a ``capture-pane -e`` looks like (a blank: only its background), up to the last
    that is not blank: tmux leaves a line's trailing blanks out or in by their unseen foreground. From a
    row's first timing to the pane's scrollbar, cells are not compared: what follows a timing moves with
    its width."""
    terminal = WriterTerminal()
    terminal.feed("\r\n".join(captured.splitlines()))
    rows = terminal.cells()
    for row in rows:
        if found := TIMING.search("".join(cell[0] or " " for cell in row)):  # a column a character
            row[found.start() : PANE_END] = [("T",)] * (PANE_END - found.start())
        while row and row[-1][0] == " " and len(row[-1]) == 3:
            row.pop()
    return rows


def first_difference(got: list[list[tuple]], expected: list[list[tuple]]) -> str:
    for y, (row, wanted) in enumerate(zip(got, expected, strict=True)):
        for x, (cell, want) in enumerate(zip_longest(row, wanted, fillvalue=())):
            if cell != want:
                text = "".join(c[0] for c in row)
                return f"row {y} column {x}: {cell} instead of {want} in {text!r}"
    return ""


def test_the_terminal_shows_what_textuals_own_bytes_show_for_far_fewer_bytes(app_env, api, tmp_path):
    ours, ours_bytes = run(tmp_path / "diffed", app_env, api, full_redraw=False)
    textual, textual_bytes = run(tmp_path / "whole", app_env, api, full_redraw=True)
    assert "The end." in ours
    if cells(ours) != cells(textual):
        print(f"ours:\n{ours}\nTextual's:\n{textual}")  # in full under "Captured stdout"
    assert cells(ours) == cells(textual), first_difference(cells(ours), cells(textual))
    assert ours_bytes < 0.6 * textual_bytes, (ours_bytes, textual_bytes)


def test_cells_leave_out_only_what_a_timing_moves():
    def line(timings: str, text: str = "in 10") -> str:
        body = f"{text} · {timings} · cost unknown".ljust(PANE_END)
        return body + "\x1b[7m  \x1b[0m"  # the scrollbar's thumb, at its fixed place

    one, other = line("1.2 s (first token 93 ms)"), line("1.3 s (first token 105 ms)")
    assert cells(one) == cells(other)
    assert cells(one) != cells(line("1.2 s (first token 93 ms)", text="in 11"))
    assert cells(one) != cells(one.replace("\x1b[7m", ""))  # the thumb is still compared
