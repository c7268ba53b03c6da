"""Copy text to the clipboard: OSC 52 through the terminal (works over SSH), plus a local tool when there is one.

OSC 52 needs a terminal that honours it (most do; macOS Terminal does not), so on a local desktop the
text is also piped to ``wl-copy``, ``xclip``, ``xsel`` or ``pbcopy``. Over SSH a local tool would copy
to the remote machine's clipboard, which is not what the user wants, so it is skipped there.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

LOCAL_TIMEOUT = 1.5
"""Seconds to wait for a local clipboard tool before giving up on it."""

# (name, command, environment variable the tool needs, or None)
LOCAL_TOOLS: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("wl-copy", ("wl-copy",), "WAYLAND_DISPLAY"),
    ("xclip", ("xclip", "-selection", "clipboard"), "DISPLAY"),
    ("xsel", ("xsel", "--clipboard", "--input"), "DISPLAY"),
    ("pbcopy", ("pbcopy",), None),
)


def in_ssh_session(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY") or env.get("SSH_CLIENT"))


def local_tools(env: Mapping[str, str] | None = None) -> list[tuple[str, list[str]]]:
    """The local clipboard tools worth trying here, best first (none in an SSH session)."""
    env = os.environ if env is None else env
    if in_ssh_session(env):
        return []
    found = []
    for name, command, needs in LOCAL_TOOLS:
        if name == "pbcopy" and sys.platform != "darwin":
            continue
        if needs is not None and not env.get(needs):
            continue
        path = shutil.which(command[0])
        if path:
            found.append((name, [path, *command[1:]]))
    return found


def _pipe_to(command: list[str], text: str) -> bool:
    """Run ``command`` with ``text`` on stdin; True if it exited 0 in time. Never raises."""
    try:
        # stdout/stderr to /dev/null: xclip and wl-copy leave a child serving the selection, which
        # would otherwise hold a pipe open and make us wait for the timeout.
        result = subprocess.run(
            command,
            input=text.encode("utf-8"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=LOCAL_TIMEOUT,
            check=False,
            close_fds=True,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return False
    return result.returncode == 0


UNCONFIRMED = (
    "; the terminal may ignore OSC 52 (in tmux: set -g set-clipboard on). Shift+C shows the text to select"
)
"""Said when only OSC 52 carried the copy: nothing tells whether the terminal honoured it."""


async def copy_text(app: Any, text: str, *, env: Mapping[str, str] | None = None) -> tuple[str, bool]:
    """Copy ``text`` (OSC 52, plus a local tool off SSH, run in a thread: a slow one never holds the
    screen); a short description of what was done, and whether a local tool confirmed it."""
    app.copy_to_clipboard(text)
    how, confirmed = "terminal clipboard, OSC 52", False
    for name, command in local_tools(env):
        if await asyncio.to_thread(_pipe_to, command, text):
            how, confirmed = how + f" + {name}", True
            break
    count = len(text)
    return f"Copied {count:,} character{'s' if count != 1 else ''} ({how})", confirmed
