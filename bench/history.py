"""History at scale: start-up, opening the longest conversation, search and list on a big database.

    python bench/history.py [--db PATH] [--conversations 10000] [--messages 500000] [--runs 5]

Builds the database with ``bench/build_history.py`` unless ``--db`` names one it built before, then
prints a table:

- first frame of the installed app in a 120x40 pty, with that database and with an empty one
  (runs interleaved, medians, and their ratio);
- opening the longest conversation from the list (Tab, Tab, Enter): time from the Enter key until
  its last message (which ends with a sentinel) is painted;
- search latency, median and p90 over many queries (single words, pairs, phrases, code, misses);
- ``list`` latency: one page of the conversation list in-process, and the ``claude-textual list``
  command end to end.
"""

from __future__ import annotations

import argparse
import os
import random
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import contextlib

from build_history import SENTINEL, WORDS, build  # noqa: E402
from startup import environment, frame_at, installed_command, spawn_in_pty  # noqa: E402

LIST_FOCUSED = b"Rename"  # in the footer while the conversation list has the focus


def pty_run(
    argv: list[str],
    env: dict[str, str],
    until: bytes | None,
    deadline: float = 30.0,
    opens: bytes | None = None,
) -> tuple[float, float | None]:
    """Seconds to the first frame, and to ``until`` appearing on the terminal (None: not asked).

    With ``opens`` (a label of the conversation list): once it is on screen and the app is quiet,
    Tab moves the focus to the list, and the second figure is the time from Enter to ``until``.
    """
    started = time.perf_counter()
    pid, fd = spawn_in_pty(argv, env)
    buffer, first, found = b"", None, None
    pressed: float | None = None
    try:
        while time.perf_counter() - started < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                buffer += chunk
                now = time.perf_counter() - started
                if first is None and frame_at(buffer) is not None:
                    first = now
                if opens is not None and pressed is None and opens in buffer:
                    buffer += settle(fd)  # the app has finished drawing (a busy machine takes longer)
                    buffer += focus_list(fd)
                    seen = len(buffer)
                    os.write(fd, b"\r")
                    pressed = time.perf_counter() - started
                if opens is not None and pressed is not None and found is None and until in buffer[seen:]:
                    found = now - pressed
                elif (
                    opens is None
                    and first is not None
                    and until is not None
                    and found is None
                    and until in buffer
                ):
                    found = now
            if first is not None and (until is None or found is not None):
                break
        os.write(fd, b"\x11")  # Ctrl+Q
        end = time.time() + 5
        while time.time() < end:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    if not os.read(fd, 65536):
                        break
                except OSError:
                    break
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    if first is None:
        raise RuntimeError("the app did not draw its first frame")
    return first, found


def focus_list(fd: int, tabs: int = 6) -> bytes:
    """Tab until the footer shows the conversation list's keys (its focus), as a user watching would:
    a key typed while the app is still busy starting may land before the prompt box has the focus."""
    out = b""
    for _ in range(tabs):
        os.write(fd, b"\t")
        drawn = settle(fd)
        out += drawn
        if LIST_FOCUSED in drawn:
            return out
    raise RuntimeError("Tab did not reach the conversation list")


def settle(fd: int, quiet: float = 0.5, most: float = 20.0) -> bytes:
    """What the terminal shows until the app has written nothing for ``quiet`` seconds."""
    out, end = b"", time.perf_counter() + most
    while time.perf_counter() < end and select.select([fd], [], [], quiet)[0]:
        out += drain(fd)
    return out


def drain(fd: int) -> bytes:
    """Whatever the terminal has ready to read now."""
    out = b""
    while select.select([fd], [], [], 0)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, help="a database built earlier by this script (reused)")
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=500_000)
    parser.add_argument("--longest", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()

    from claude_textual.store.history import History

    with tempfile.TemporaryDirectory(prefix="ct-history-") as name:
        tmp = Path(name)
        db = args.db or tmp / "big.db"
        if not db.exists():
            info = build(db, args.conversations, args.messages, args.longest)
            print(
                f"built {info['conversations']:,} conversations / {info['messages']:,} messages "
                f"({info['megabytes']} MB) in {info['seconds']} s"
            )
        history = History(db)
        conversations = history.count_conversations()
        (tmp / "home").mkdir()
        config = tmp / "config.toml"
        config.write_text('max_retries = 0\ntitle_model = ""\n')
        env = environment(tmp)
        command = installed_command()

        def app(database: Path, *extra: str) -> list[str]:
            return [command, "--db", str(database), "--config", str(config), *extra]

        empty, big, opened = [], [], []
        pty_run(app(tmp / "empty.db"), env, None)  # warm-up, creates the empty db
        pty_run(app(db), env, None)
        for _ in range(args.runs):
            empty.append(pty_run(app(tmp / "empty.db"), env, None)[0])
            big.append(pty_run(app(db), env, None)[0])
            # open the longest (top of the list) from the keyboard: Tab, Tab to the list, Enter
            _, painted = pty_run(app(db), env, SENTINEL.encode(), opens=b"1000 msgs")
            if painted is not None:
                opened.append(painted)

        rng = random.Random(3)
        queries = (
            [rng.choice(WORDS) for _ in range(args.queries // 2)]
            + [f"{rng.choice(WORDS)} {rng.choice(WORDS)}" for _ in range(args.queries // 4)]
            + [f'"{rng.choice(WORDS)} {rng.choice(WORDS)}"' for _ in range(args.queries // 8)]
            + ["handler(event)", "'status': 200", "nothing-matches-this", SENTINEL]
        )
        search_ms = []
        for query in queries:
            began = time.perf_counter()
            history.search(query, 20)
            search_ms.append((time.perf_counter() - began) * 1000)
        list_ms = []
        for _ in range(20):
            began = time.perf_counter()
            history.list_conversations(200)
            list_ms.append((time.perf_counter() - began) * 1000)
        cli_ms = []
        for _ in range(args.runs):
            began = time.perf_counter()
            subprocess.run(
                [command, "list", "--limit", "50", "--db", str(db)], capture_output=True, check=True
            )
            cli_ms.append((time.perf_counter() - began) * 1000)
        history.close()

    search_ms.sort()
    print(
        f"history at scale: {conversations:,} conversations, longest {args.longest:,} messages "
        f"({args.runs} interleaved runs, medians)"
    )
    print(f"{'first frame, empty database':<44}{median_ms(empty)}")
    print(
        f"{'first frame, big database':<44}{median_ms(big)}   "
        f"ratio {statistics.median(big) / statistics.median(empty):.2f}x"
    )
    if opened:
        print(f"{'open longest: Enter -> last message painted':<44}{median_ms(opened)}")
    else:
        print("open longest: the last message was not seen on screen")
    print(
        f"{f'search ({len(search_ms)} queries): median':<44}{statistics.median(search_ms):8.1f} ms   "
        f"p90 {search_ms[int(len(search_ms) * 0.9)]:.1f} ms   max {search_ms[-1]:.1f} ms"
    )
    print(f"{'list: one page of 200, in-process':<44}{statistics.median(list_ms):8.1f} ms")
    print(f"{'list: `claude-textual list` end to end':<44}{statistics.median(cli_ms):8.1f} ms")


if __name__ == "__main__":
    main()
