"""End to end: on a 16-colour terminal (or with NO_COLOR) the installed app uses a 16-colour theme, and
writes no 256-colour or true-colour sequence; with a 256-colour terminal it keeps its usual theme."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.e2e.test_tmux import Terminal, installed_command, quit_app, reply_done

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


def test_the_selected_message_is_marked_with_16_colours(terminal: Terminal, app_env):
    argv = ["env", "TERM=xterm-16color", installed_command(), "--demo", "--prompt", "hello"]
    terminal.start(argv, {**app_env, "TERM": "xterm-16color"})
    terminal.wait_for(lambda s: "to see what was saved" in s and reply_done(s), "the demo's second reply")
    terminal.press("BTab")  # from the prompt to the transcript
    terminal.press("k")  # select the last reply
    selected, screen = "", ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not selected:
        screen = terminal.tmux("capture-pane", "-e", "-p", "-t", terminal.target)
        selected = next((line for line in screen.splitlines() if "to see what was saved" in line), "")
        selected = selected if "\x1b[7m" in selected else ""  # reverse video: seen without any colour
        time.sleep(0.1)
    assert selected, f"the selected reply is not marked; the screen:\n{screen!r}"
    quit_app(terminal)
