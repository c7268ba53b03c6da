"""The crash guard: the full-screen app runs in a child process, and if that child dies by a signal the
parent puts the terminal back as it was and says what happened.

A process killed by a signal cannot clean up after itself: it leaves the terminal in raw mode, on the
app's screen, with mouse reporting on. That happens with SIGBUS when another program truncates or
replaces the database's ``-shm`` file while the app runs (SQLite maps that file into memory), with
SIGSEGV in a C extension, and with an out-of-memory kill. Nothing is lost by it (replies are saved as
they stream, the prompt box's draft a moment after typing), but the user must be told, in a terminal
they can use. The child also dies when the parent does (Linux ``PR_SET_PDEATHSIG``), so killing the
command kills the app, as before. Standard library only: it runs before anything else is imported.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

RESET = (
    "\x1b[?1049l"  # leave the alternate screen
    "\x1b[?25h\x1b[?7h"  # show the cursor; lines wrap again
    "\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l"  # mouse reporting off
    "\x1b[?2004l\x1b[?1004l"  # bracketed paste and focus events off
    "\x1b[0m\r\n"
)
FORWARDED = (signal.SIGTERM, signal.SIGHUP)
CAUSES = {
    signal.SIGBUS: (
        "This most often means another program truncated or replaced the history's files "
        "({db}-shm or {db}-wal) while the app was running: a backup or sync tool, or a copy over them."
    ),
    signal.SIGSEGV: "This is a bug in the app or a library it uses.",
    signal.SIGKILL: "Something killed it (the system does so when memory runs out).",
}
SHM_CUT = (
    "Its file {db}-shm had been cut short while the app was running (SQLite maps that file into "
    "memory): another program truncated or replaced the history's files, a backup or sync tool, or a "
    "copy over them."
)
SHM_PAGE = 32_768
"""SQLite grows a ``-shm`` file in whole 32 KiB regions: any other size is another program's doing."""


def shm_cut(db: Path) -> bool:
    """The database's ``-shm`` file is there but no longer a whole number of regions (none: empty)."""
    try:
        size = os.stat(f"{db}-shm").st_size
    except OSError:
        return False
    return size == 0 or size % SHM_PAGE != 0


def run_guarded(run: Callable[[], int], db: Path, crash_log: Path) -> int:
    """``run()`` in a child process, the terminal restored if it dies by a signal; its exit status.

    Without a terminal, off POSIX, or with ``CLAUDE_TEXTUAL_UNGUARDED`` set, ``run()`` runs here.
    """
    if os.name != "posix" or os.environ.get("CLAUDE_TEXTUAL_UNGUARDED") or not sys.stdin.isatty():
        return run()
    import termios

    fd = sys.stdin.fileno()
    try:
        saved = termios.tcgetattr(fd)
    except termios.error:
        return run()
    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getpid()
    child = os.fork()
    if child == 0:
        _die_with(parent)
        _record_crashes(crash_log)
        return run()
    return _watch(child, fd, saved, db, crash_log)


def _die_with(parent: int) -> None:
    """The child is killed when the parent dies (Linux); a parent already gone ends it now."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def _record_crashes(crash_log: Path) -> None:
    """A fatal signal writes the Python stack of every thread to ``crash_log`` (0600), for the report."""
    import faulthandler

    try:
        crash_log.parent.mkdir(parents=True, exist_ok=True)
        log = os.open(crash_log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError:
        return
    faulthandler.enable(file=log, all_threads=True)


def _watch(child: int, fd: int, saved: list, db: Path, crash_log: Path) -> int:
    """Wait for the child, passing on the signals meant for the command; after a death by signal put
    the terminal back and say what happened."""
    import termios

    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP):
        signal.signal(sig, signal.SIG_IGN)  # the app has the terminal: its keys are the app's
    for sig in FORWARDED:
        signal.signal(sig, lambda number, _frame: os.kill(child, number))
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except InterruptedError:
            continue
    if not os.WIFSIGNALED(status):
        return os.waitstatus_to_exitcode(status)
    number = os.WTERMSIG(status)
    with contextlib.suppress(termios.error):
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    sys.stdout.write(RESET)
    sys.stdout.flush()
    print(crash_report(number, db, crash_log), file=sys.stderr)
    return 128 + number


def crash_report(number: int, db: Path, crash_log: Path) -> str:
    """What to tell the user after the app died by signal ``number``."""
    name = signal.Signals(number).name
    if number in (signal.SIGTERM, signal.SIGHUP):
        return f"claude-textual was stopped ({name})."
    memory_fault = number in (signal.SIGBUS, signal.SIGSEGV)
    # a cut -shm faults either way (SIGSEGV when SQLite had remapped it): say so, not "a bug"
    cause = (SHM_CUT if memory_fault and shm_cut(db) else CAUSES.get(number, "")).format(db=db)
    has_log = crash_log.exists() and crash_log.stat().st_size > 0
    return "\n".join(
        line
        for line in (
            f"claude-textual stopped unexpectedly: it was killed by {name}.",
            "Nothing you sent is lost: replies are saved as they stream (one cut off is kept, marked "
            "interrupted), and what you were typing comes back as the prompt's draft.",
            cause,
            f"What it was doing: {crash_log}" if has_log else "",
            "Start it again with: claude-textual --resume last",
        )
        if line
    )
