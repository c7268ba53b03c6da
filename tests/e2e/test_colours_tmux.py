"""End to end: on a 16-colour terminal (or with NO_COLOR) the installed app uses a 16-colour theme, and
writes no 256-colour or true-colour sequence; with a 256-colour terminal it keeps its usual theme."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pyte
import pytest

from tests.e2e.test_tmux import WIDTH, Terminal, installed_command, quit_app, reply_done

EXTENDED = re.compile(r"\x1b\[[0-9;]*[34]8;[25];")
"""An SGR sequence with a 256-colour (``38;5;n``) or true-colour (``38;2;r;g;b``) colour."""


def colours_written(terminal: Terminal, env: dict[str, str], raw: Path) -> str:
    """What the app wrote to its terminal while the demo answered a prompt."""
    # tmux gives the pane its own TERM (default-terminal): the app's is set inside it
    argv = ["env", f"TERM={env['TERM']}", installed_command(), "--demo", "--prompt", "hello"]
    terminal.start(argv, env)
    terminal.tmux("pipe-pane", "-t", terminal.target, "-o", f"cat >> {raw}")
    terminal.wait_for(lambda s: "to see what was saved" in s and reply_done(s), "the demo's second reply")
    quit_app(terminal)
    return raw.read_text(errors="replace")


@pytest.mark.parametrize(
    ("extra", "expect_extended"),
    [({"TERM": "xterm-16color"}, False), ({"NO_COLOR": "1"}, False), ({}, True)],
    ids=["16-colour", "NO_COLOR", "256-colour"],
)
def test_a_16_colour_terminal_gets_only_16_colours(
    terminal: Terminal, app_env, tmp_path, extra, expect_extended
):
    written = colours_written(terminal, {**app_env, **extra}, tmp_path / "raw.out")
    assert "get_weather" in written
    assert bool(EXTENDED.search(written)) is expect_extended
    if not expect_extended:
        assert re.search(r"\x1b\[[0-9;]*m", written)  # styles are still drawn (bold, reverse…)


def reversed_lines(screen: str) -> list[str]:
    """Each row of a ``capture-pane -e`` screen, keeping only the characters drawn in reverse video.

    The attributes are read by a terminal emulator (pyte): tmux merges them into one sequence
    (``1;7``, ``0;7``), or leaves reverse on from the cell before, so no byte pattern tells."""
    rows = screen.split("\n")
    emulated = pyte.Screen(WIDTH, len(rows))
    pyte.Stream(emulated).feed(screen.replace("\n", "\r\n"))
    return [
        "".join(emulated.buffer[y][x].data for x in range(WIDTH) if emulated.buffer[y][x].reverse)
        for y in range(len(rows))
    ]


def test_reversed_lines_reads_reverse_video_however_tmux_writes_it():
    screen = "\x1b[1;7mbold\x1b[0;7m on\x1b[0m off\n\x1b[7mrev\x1b[27m plain\nplain"
    assert reversed_lines(screen) == ["bold on", "rev", ""]


def test_the_selected_message_is_marked_with_16_colours(terminal: Terminal, app_env):
    argv = ["env", "TERM=xterm-16color", installed_command(), "--demo", "--prompt", "hello"]
    terminal.start(argv, {**app_env, "TERM": "xterm-16color"})
    terminal.wait_for(lambda s: "to see what was saved" in s and reply_done(s), "the demo's second reply")
    terminal.press("BTab")  # from the prompt to the transcript: the footer then offers its keys
    terminal.wait_for(lambda s: "Prev msg" in s.splitlines()[-1], "the transcript's keys in the footer")
    terminal.press("k")  # select the last reply: drawn in reverse video, seen without any colour
    selected, screen = False, ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not selected:
        screen = terminal.tmux("capture-pane", "-e", "-p", "-t", terminal.target)
        selected = any("to see what was saved" in line for line in reversed_lines(screen))
        time.sleep(0.1)
    if not selected:
        print(screen)  # in full under "Captured stdout" (an assertion message is cut short)
    assert selected, "the selected reply is not drawn in reverse video (the screen is printed above)"
    quit_app(terminal)
