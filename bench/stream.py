"""Streaming, start-up and memory of the installed ``claude-textual``, side by side with plain Textual.

    python bench/stream.py [--only stream,stress,startup,open] [--kb 50] [--rate 100] [--json] ...

Every figure comes from real processes in a 120x40 pseudo-terminal, the way a user runs them:

stream / stress
    The installed command (``--prompt go``, and ``--resume last`` on a conversation of ``--earlier``
    messages of ``--earlier-kb`` each) talks to a loopback Messages API server in this process
    (``claude_textual.core.loopback``) that answers with one text block: a generated Markdown reply
    (headings, paragraphs, lists, code fences, quotes) sent as ``text_delta`` SSE frames of about
    three words each, paced at ``--rate`` chunks/s (stress: ``--stress-rate``, ``--stress-kb``).
    The baseline is ``bench/baseline_app.py``: a plain Textual app with a ``Markdown`` widget per
    earlier message and one fed through ``Markdown.get_stream``, reading the same server through the
    same SDK. The window measured runs from the first delta sent to the moment the last delta's
    unique text shows up in the terminal output:

    - CPU: the process tree's CPU time (``/proc/PID/stat`` utime+stime, every thread and child) over that window's
      wall time, in cores;
    - event-loop lag: a 5 ms ``set_interval`` timer started in the app process (by a bootstrap that
      wraps ``App._ready``; nothing in the app changes) records how late each tick fires; p50, p99
      and max over the window;
    - last chunk -> painted: from the server sending the last delta to its text read from the pty;
    - bytes written to the terminal per KB of reply text, over the window;
    - peak RSS of the whole run (``wait4``), SDK included.

    ``--repeat N`` runs each N times, alternating app and baseline, and reports medians.

startup
    ``bench/startup.py``'s measurement (exec -> first frame, ``--runs`` runs, median) with an empty
    database and with ``--conversations`` conversations (built by ``bench/build_history.py``), and
    the baseline app's first frame; then peak RSS with an empty database after ``--idle`` seconds
    idle, so that what the app loads after its first frame is counted.

open
    ``bench/history.py``'s measurement: Tab, Tab, Enter on the conversation list, and the time
    from Enter until the last message of the longest conversation (``--longest`` messages) is
    painted.

The table has one row per metric: claude-textual, the baseline, their ratio and the target.
PYTHONDONTWRITEBYTECODE is dropped from the children's environment, so modules compile once, as
in an installed copy.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import select
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from build_history import SENTINEL, build  # noqa: E402
from history import pty_run  # noqa: E402
from startup import (  # noqa: E402
    COLUMNS,
    LINES,
    _reap,
    environment,
    installed_command,
    interpreter_of,
    one_run,
    spawn_in_pty,
)

from claude_textual.core.loopback import LoopbackServer, Reply, sse  # noqa: E402
from claude_textual.ui.terminal_writer import FULL_REDRAW  # noqa: E402

BASELINE = Path(__file__).resolve().parent / "baseline_app.py"
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Runs the console script (or the baseline) under its own interpreter with a 5 ms timer in its
# event loop; each tick's lateness (monotonic clock, shared with this process) goes to a file at exit.
PROBE = """
import atexit, json, os, runpy, sys, time
_ticks = []
def _dump():
    if not _ticks:  # the crash guard's watching parent: the app's own process writes the file
        return
    with open(os.environ["BENCH_LAG_FILE"], "w") as f:
        json.dump(_ticks, f)
atexit.register(_dump)
import textual.app
_ready = textual.app.App._ready
async def _ready_with_ticker(self):
    await _ready(self)
    timer = self.set_interval(0.005, lambda: None, name="bench-lag")
    tick = timer._tick
    async def _tick(*, next_timer, count):
        now = time.monotonic()
        _ticks.append((now, now - next_timer))
        await tick(next_timer=next_timer, count=count)
    timer._tick = _tick
textual.app.App._ready = _ready_with_ticker
if os.environ.get("BENCH_PROFILE"):  # --profile: cProfile of the event-loop thread, whole run
    import cProfile
    _profile = cProfile.Profile()
    atexit.register(lambda: _ticks and (_profile.disable(), _profile.dump_stats(os.environ["BENCH_PROFILE"])))
    _profile.enable()
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""

VOCABULARY = (
    "the a of to and in that is for it with as on be this are by from or an which can at not but have "
    "request response server client stream buffer token value result error cache index query table "
    "function method class module package layer widget render frame event loop thread worker queue "
    "latency memory budget update insert delete select parse compile build deploy test measure record "
    "quickly simply usually carefully each every many most some other first last next small large "
    "returns keeps sends reads writes stores checks handles starts stops waits grows fits breaks"
).split()


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(n))


def _sentence(rng: random.Random) -> str:
    words = _words(rng, rng.randint(6, 18)).split()
    i = rng.randrange(len(words))
    style = rng.random()
    if style < 0.15:
        words[i] = f"`{words[i]}()`"
    elif style < 0.25:
        words[i] = f"**{words[i]}**"
    elif style < 0.3:
        words[i] = f"*{words[i]}*"
    return " ".join(words).capitalize() + "."


def _code(rng: random.Random) -> str:
    lang = rng.choice(["python", "javascript", "bash", "sql"])
    lines = []
    for _ in range(rng.randint(4, 16)):
        a, b, c = (rng.choice(VOCABULARY[30:]) for _ in range(3))
        lines.append(
            rng.choice(
                [
                    f"def {a}_{b}({c}):",
                    f"    return {a}.{b}({c}, timeout=30)",
                    f"    if not {a}: raise ValueError('{b}')",
                    f"const {a} = await {b}.{c}({{ limit: 20 }});",
                    f"for {a} in {b}_{c}:",
                    f"    print(f'{{{a}}} {b}')",
                    f"{a}_{b} --{c} ./data/{a}.json | jq '.{b}'",
                    f"SELECT {a}, {b} FROM {c} WHERE id = 42;",
                    f"# {a} the {b} before the {c}",
                    f"{a} = {{'{b}': {rng.randint(1, 999)}, '{c}': None}}",
                ]
            )
        )
    return f"```{lang}\n" + "\n".join(lines) + "\n```"


def markdown_doc(size: int, seed: int = 1) -> str:
    """About ``size`` bytes of a plausible Markdown reply: sections of paragraphs, lists, code, quotes."""
    rng = random.Random(seed)
    parts = [" ".join(_sentence(rng) for _ in range(3))]
    total = len(parts[0])
    while total < size:
        if rng.random() < 0.35 and not parts[-1].startswith("#"):
            part = f"{'#' * rng.choice([2, 2, 3])} {_words(rng, rng.randint(2, 6)).capitalize()}"
        else:
            kind = rng.random()
            if kind < 0.45:
                part = " ".join(_sentence(rng) for _ in range(rng.randint(2, 6)))
            elif kind < 0.62:
                part = "\n".join(f"- {_sentence(rng)}" for _ in range(rng.randint(2, 6)))
            elif kind < 0.72:
                part = "\n".join(f"{n}. {_sentence(rng)}" for n in range(1, rng.randint(3, 6)))
            elif kind < 0.95:
                part = _code(rng)
            else:
                part = "> " + _sentence(rng)
        parts.append(part)
        total += len(part) + 2
    return "\n\n".join(parts)


def pieces(text: str, words: int = 3) -> list[str]:
    """The text in groups of ``words`` words, spaces kept, like a token stream (as the demo does)."""
    tokens = re.findall(r"\S+\s*|\s+", text)
    return ["".join(tokens[i : i + words]) for i in range(0, len(tokens), words)]


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) the process and the processes it started (the app runs
    in a child of the command: ``claude_textual/guard.py``) have used so far."""
    total = 0.0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        total += sum(proc_cpu(int(child)) for child in children)
    return total


class Feed:
    """The loopback API's reply: one text block, its deltas paced at ``rate`` a second.

    It notes when the first and last deltas go out, and the app's CPU time at the first.
    """

    def __init__(self, chunks: list[str], rate: float, lead: float) -> None:
        self.chunks, self.rate, self.lead = chunks, rate, lead
        self.pid = 0
        self.first_sent: float | None = None
        self.last_sent: float | None = None
        self.cpu_at_first: float | None = None
        self.requests = 0

    def respond(self, body: dict[str, Any]) -> Reply:
        self.requests += 1
        return Reply(200, self.frames(), {})

    def frames(self) -> Iterator[bytes | float]:
        yield sse(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_bench",
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "model": "claude-bench",
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": 10, "output_tokens": 1},
                },
            },
        )
        yield sse(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        )
        yield self.lead  # let the app settle after sending its request
        frames = [
            sse(
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": chunk}},
            )
            for chunk in self.chunks
        ]
        start = time.monotonic()
        last = len(frames) - 1
        for i, frame in enumerate(frames):
            delay = start + i / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if i == 0:
                self.cpu_at_first = proc_cpu(self.pid)
                self.first_sent = time.monotonic()
            if i == last:
                self.last_sent = time.monotonic()
            yield frame
        yield sse("content_block_stop", {"type": "content_block_stop", "index": 0})
        yield sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": len(frames)},
            },
        )
        yield sse("message_stop", {"type": "message_stop"})


@dataclass
class StreamRun:
    cores: float
    lag_ms: dict[str, float | None]
    paint_ms: float
    bytes_per_kb: float
    peak_rss_mib: float
    send_s: float  # how long the server took to send every delta (pacing check)
    extra: dict[str, Any] = field(default_factory=dict)


class BenchError(RuntimeError):
    pass


def drain_until_exit(fd: int, timeout: float = 10.0) -> None:
    """Keep reading the terminal until the child closes it, so its last writes never block."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                if not os.read(fd, 1 << 16):
                    return
            except OSError:
                return


def stream_once(
    argv: list[str],
    env: dict[str, str],
    feed: Feed,
    token: bytes,
    text_kb: float,
    timeout: float,
    settle: float = 0.5,
    raw: Path | None = None,
) -> StreamRun:
    """Run ``argv`` in a pty until ``token`` is painted after the last delta went out; with ``raw``,
    the bytes written over the measured window are saved there."""
    pid, fd = spawn_in_pty(argv, env)
    feed.pid = pid
    started = time.monotonic()
    reads: list[tuple[float, bytes]] = []
    tail = b""
    painted: float | None = None
    cpu_painted = 0.0
    try:
        while time.monotonic() - started < timeout:
            if select.select([fd], [], [], 0.005)[0]:
                try:
                    data = os.read(fd, 1 << 16)
                except OSError:
                    data = b""
                if not data:
                    break
                now = time.monotonic()
                reads.append((now, data))
                if painted is None and feed.last_sent is not None and token in tail + data:
                    painted, cpu_painted = now, proc_cpu(pid)
                tail = (tail + data)[-4096:]
            if painted is not None and time.monotonic() - painted > settle:
                break
        if painted is None:
            screen = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", tail).decode(errors="replace")
            raise BenchError(
                f"{Path(argv[3]).name}: the last chunk was not painted within {timeout:.0f} s "
                f"(requests {feed.requests}, deltas sent: {feed.last_sent is not None}); "
                f"terminal tail: {screen[-300:]!r}"
            )
        os.write(fd, b"\x11")  # Ctrl+Q
        drain_until_exit(fd)
    finally:
        _, rusage = _reap(pid)
        os.close(fd)
    assert feed.first_sent is not None and feed.last_sent is not None and feed.cpu_at_first is not None
    first, last = feed.first_sent, feed.last_sent
    try:
        ticks = json.loads(Path(env["BENCH_LAG_FILE"]).read_text())
    except (OSError, ValueError):
        ticks = []
    late = sorted(max(0.0, lateness) * 1000 for t, lateness in ticks if first <= t <= painted)
    lag = {"p50": None, "p99": None, "max": None, "ticks": len(late)}
    if late:
        lag.update(
            p50=round(late[len(late) // 2], 1),
            p99=round(late[min(len(late) - 1, int(len(late) * 0.99))], 1),
            max=round(late[-1], 1),
        )
    window = b"".join(data for t, data in reads if first <= t <= painted)
    if raw is not None:
        raw.write_bytes(window)
    written = len(window)
    return StreamRun(
        cores=round((cpu_painted - feed.cpu_at_first) / (painted - first), 3),
        lag_ms=lag,
        paint_ms=round((painted - last) * 1000, 1),
        bytes_per_kb=round(written / text_kb),
        peak_rss_mib=round(rusage.ru_maxrss / 1024, 1),  # type: ignore[attr-defined]
        send_s=round(last - first, 2),
    )


def conversation_db(path: Path, count: int, kb: float) -> None:
    """A database with one conversation of ``count`` messages of about ``kb`` KB each."""
    from claude_textual.core.model import Message, Status
    from claude_textual.store.history import History

    history = History(path)
    if count:
        conversation = history.create_conversation("bench: earlier messages", "claude-bench")
        for i in range(count):
            role = "user" if i % 2 == 0 else "assistant"
            history.add_message(
                conversation.id,
                Message(
                    role=role,
                    content=[{"type": "text", "text": markdown_doc(int(kb * 1024), seed=100 + i)}],
                    model=None if role == "user" else "claude-bench",
                    status=Status.COMPLETE,
                    stop_reason=None if role == "user" else "end_turn",
                ),
            )
    history.close()


def child_env(tmp: Path) -> dict[str, str]:
    env = environment(tmp)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def stream_scenario(
    args: argparse.Namespace, tmp: Path, command: str, *, kb: float, rate: float, earlier: int
) -> dict[str, StreamRun]:
    doc = markdown_doc(int(kb * 1024), seed=int(kb * 1000) + earlier)
    token = f"Qz{random.Random(earlier).randrange(10**6, 10**7)}end"
    chunks = pieces(doc + "\n\nThat is the whole reply.") + [f" {token}"]
    text_kb = len("".join(chunks).encode()) / 1024
    python = interpreter_of(command)
    runs: dict[str, list[StreamRun]] = {"claude-textual": [], "baseline": []}
    for who in [*runs] * args.repeat:  # alternated, so a slow patch of the machine hits both
        run_dir = Path(tempfile.mkdtemp(prefix=f"{who}-", dir=tmp))
        (run_dir / "home").mkdir()
        env = child_env(run_dir)
        env["BENCH_LAG_FILE"] = str(run_dir / "lag.json")
        feed = Feed(chunks, rate, args.lead)
        with LoopbackServer(feed.respond) as server:
            env["ANTHROPIC_BASE_URL"] = server.url
            if who == "claude-textual":
                db = run_dir / "history.db"
                conversation_db(db, earlier, args.earlier_kb)
                config = run_dir / "config.toml"
                config.write_text('max_retries = 0\nthinking = "off"\ntitle_model = ""\n')
                if args.full_redraw:
                    env[FULL_REDRAW] = "1"
                argv = [
                    python,
                    "-c",
                    PROBE,
                    command,
                    "--db",
                    str(db),
                    "--config",
                    str(config),
                    "--prompt",
                    "go",
                ]
                if earlier:
                    argv += ["--resume", "last"]
            else:
                texts = run_dir / "earlier.json"
                texts.write_text(
                    json.dumps(
                        [markdown_doc(int(args.earlier_kb * 1024), seed=100 + i) for i in range(earlier)]
                    )
                )
                argv = [python, "-c", PROBE, str(BASELINE), "--stream", "--earlier", str(texts)]
            if args.profile:
                args.profile.mkdir(parents=True, exist_ok=True)
                slug = re.sub(r"[^a-z0-9]+", "-", f"{who} {rate:g} {kb:g} {earlier}")
                env["BENCH_PROFILE"] = str(args.profile.resolve() / f"{slug}.prof")
            raw = None
            if args.raw:
                args.raw.mkdir(parents=True, exist_ok=True)
                slug = re.sub(r"[^a-z0-9]+", "-", f"{who} {rate:g} {kb:g} {earlier} {len(runs[who])}")
                raw = args.raw / f"{slug}.bin"
            timeout = 60 + len(chunks) / rate * 3
            runs[who].append(stream_once(argv, env, feed, token.encode(), text_kb, timeout, raw=raw))
    return {who: median_run(done) for who, done in runs.items()}


def median_run(runs: list[StreamRun]) -> StreamRun:
    """Each figure's median over the runs (the lag figures each on their own)."""

    def med(values: list[Any]) -> Any:
        values = [v for v in values if v is not None]
        return round(statistics.median(values), 3) if values else None

    lag = {key: med([r.lag_ms[key] for r in runs]) for key in runs[0].lag_ms}
    return StreamRun(
        cores=med([r.cores for r in runs]),
        lag_ms=lag,
        paint_ms=med([r.paint_ms for r in runs]),
        bytes_per_kb=round(med([r.bytes_per_kb for r in runs])),
        peak_rss_mib=med([r.peak_rss_mib for r in runs]),
        send_s=med([r.send_s for r in runs]),
        extra={"runs": len(runs), "cores": [r.cores for r in runs]},
    )


def idle_rss(argv: list[str], env: dict[str, str], idle: float) -> float:
    """Peak RSS (MiB) of a run that starts, stays idle ``idle`` seconds after its first frame, and quits."""
    from startup import frame_at

    pid, fd = spawn_in_pty(argv, env)
    buffer, seen, started = b"", None, time.monotonic()
    try:
        while time.monotonic() - started < 60:
            if select.select([fd], [], [], 0.05)[0]:
                try:
                    data = os.read(fd, 1 << 16)
                except OSError:
                    break
                if not data:
                    break
                buffer = (buffer + data)[-(1 << 20) :]
                if seen is None and frame_at(buffer) is not None:
                    seen = time.monotonic()
            if seen is not None and time.monotonic() - seen > idle:
                break
        os.write(fd, b"\x11")
        drain_until_exit(fd)
    finally:
        _, rusage = _reap(pid)
        os.close(fd)
    return round(rusage.ru_maxrss / 1024, 1)  # type: ignore[attr-defined]


def idle_median(argv: list[str], env: dict[str, str], idle: float) -> float:
    idle_rss(argv, env, idle)
    return statistics.median(idle_rss(argv, env, idle) for _ in range(3))


def startup_and_open(args: argparse.Namespace, tmp: Path, command: str, parts: set[str]) -> dict[str, Any]:
    env = child_env(tmp)
    (tmp / "home").mkdir(exist_ok=True)
    config = tmp / "config.toml"
    config.write_text('max_retries = 0\ntitle_model = ""\n')
    big = tmp / "big.db"
    began = time.perf_counter()
    info = build(big, args.conversations, args.conversations * 2 + args.longest, args.longest)
    result: dict[str, Any] = {
        "db": {
            "conversations": info["conversations"],
            "messages": info["messages"],
            "longest": args.longest,
            "build_s": round(time.perf_counter() - began, 1),
        }
    }
    python = interpreter_of(command)

    def app(db: Path) -> list[str]:
        return [command, "--db", str(db), "--config", str(config)]

    baseline = [python, str(BASELINE)]
    if "startup" in parts:
        for argv in (
            app(tmp / "empty.db"),
            app(big),
            baseline,
        ):  # warm-up: disk cache, bytecode, the empty db
            one_run(argv, env)
        empty, full, base = [], [], []
        for _ in range(args.runs):  # interleaved, so a slow patch of the machine hits all three
            empty.append(one_run(app(tmp / "empty.db"), env).first_frame)
            full.append(one_run(app(big), env).first_frame)
            base.append(one_run(baseline, env).first_frame)
        result["startup"] = {
            "empty_s": round(statistics.median(empty), 3),
            "big_s": round(statistics.median(full), 3),
            "baseline_s": round(statistics.median(base), 3),
            "runs": {
                "empty": [round(t, 3) for t in empty],
                "big": [round(t, 3) for t in full],
                "baseline": [round(t, 3) for t in base],
            },
            # a first idle run, not counted, also imports (and compiles) what the app loads after its
            # first frame; then the median of three
            "rss_idle_mib": idle_median(app(tmp / "empty.db"), env, args.idle),
            "baseline_rss_idle_mib": idle_median(baseline, env, args.idle),
        }
    if "open" in parts:
        label = f"{args.longest} msgs".encode()
        opened = []
        for _ in range(args.runs):
            _, painted = pty_run(app(big), env, SENTINEL.encode(), deadline=60, opens=label)
            if painted is not None:
                opened.append(painted)
        result["open"] = {
            "median_s": round(statistics.median(opened), 3) if opened else None,
            "runs": [round(t, 3) for t in opened],
        }
    return result


# ---- the table ---------------------------------------------------------------------------------
def _fmt(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return (
            f"{value:.3f}{unit}" if abs(value) < 1 and unit in ("", " cores", " s") else f"{value:.1f}{unit}"
        )
    return f"{value}{unit}"


def rows(results: dict[str, Any]) -> list[tuple[str, Any, Any, str, str]]:
    """(metric, claude-textual, baseline, unit, target) for every figure measured."""
    out: list[tuple[str, Any, Any, str, str]] = []
    for name, runs in results.get("streams", {}).items():
        app, base = runs["claude-textual"], runs["baseline"]
        stress = name.startswith("stress")
        zero = results["streams"].get(name.rsplit(",", 1)[0] + ", 0 earlier")
        cpu_target = "≤0.25× baseline"
        if zero is not None and zero is not runs:
            cpu_target += f", ≤ {zero['claude-textual']['cores']:.3f} (0 earlier)"
        out += [
            (f"{name}: CPU", app["cores"], base["cores"], " cores", cpu_target),
            (f"{name}: loop lag p50", app["lag_ms"]["p50"], base["lag_ms"]["p50"], " ms", ""),
            (
                f"{name}: loop lag p99",
                app["lag_ms"]["p99"],
                base["lag_ms"]["p99"],
                " ms",
                "<50 ms" if stress else "",
            ),
            (
                f"{name}: loop lag max",
                app["lag_ms"]["max"],
                base["lag_ms"]["max"],
                " ms",
                "<150 ms" if stress else "",
            ),
            (f"{name}: last chunk -> painted", app["paint_ms"], base["paint_ms"], " ms", "<100 ms"),
            (f"{name}: bytes to terminal per KB", app["bytes_per_kb"], base["bytes_per_kb"], " B", ""),
            (f"{name}: peak RSS", app["peak_rss_mib"], base["peak_rss_mib"], " MiB", ""),
        ]
    if "startup" in results:
        s = results["startup"]
        n = results["db"]["conversations"]
        out += [
            ("startup: first frame, empty db (median)", s["empty_s"], s["baseline_s"], " s", "<0.5 s"),
            (f"startup: first frame, {n:,} conversations", s["big_s"], s["baseline_s"], " s", "<0.6 s"),
            (
                "startup: peak RSS, empty db, idle",
                s["rss_idle_mib"],
                s["baseline_rss_idle_mib"],
                " MiB",
                "<80 MiB",
            ),
        ]
    if "open" in results:
        out.append(
            (
                f"open longest ({results['db']['longest']:,} msgs): Enter -> painted",
                results["open"]["median_s"],
                None,
                " s",
                "",
            )
        )
    return out


def print_table(results: dict[str, Any]) -> None:
    table = [("metric", "claude-textual", "baseline", "ratio", "target")]
    for metric, app, base, unit, target in rows(results):
        ratio = (
            f"{app / base:.2f}×"
            if isinstance(app, (int, float)) and isinstance(base, (int, float)) and base
            else ""
        )
        table.append((metric, _fmt(app, unit), _fmt(base, unit), ratio, target))
    widths = [max(len(r[i]) for r in table) for i in range(5)]
    for i, row in enumerate(table):
        print(
            " | ".join(
                cell.ljust(w) if j == 0 else cell.rjust(w) if j < 4 else cell
                for j, (cell, w) in enumerate(zip(row, widths, strict=False))
            ).rstrip()
        )
        if i == 0:
            print("-+-".join("-" * w for w in widths))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only",
        default="stream,stress,startup,open",
        help="comma-separated: stream, stress, startup, open (default: all)",
    )
    parser.add_argument("--kb", type=float, default=50, help="stream: reply size in KB (default 50)")
    parser.add_argument("--rate", type=float, default=100, help="stream: chunks per second (default 100)")
    parser.add_argument("--stress-kb", type=float, default=48, help="stress: reply size in KB (default 48)")
    parser.add_argument(
        "--stress-rate", type=float, default=500, help="stress: chunks per second (default 500)"
    )
    parser.add_argument(
        "--earlier", type=int, default=20, help="earlier messages in the second run (default 20)"
    )
    parser.add_argument(
        "--earlier-kb", type=float, default=5, help="size of each earlier message (default 5)"
    )
    parser.add_argument("--lead", type=float, default=1.0, help="pause before the first delta, s (default 1)")
    parser.add_argument("--conversations", type=int, default=10_000, help="startup/open: database size")
    parser.add_argument(
        "--longest", type=int, default=1_000, help="open: messages in the longest conversation"
    )
    parser.add_argument("--runs", type=int, default=5, help="startup/open: runs (median; default 5)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="stream/stress: runs of each (median; default 1)"
    )
    parser.add_argument(
        "--idle", type=float, default=3.0, help="startup: idle seconds before the RSS reading"
    )
    parser.add_argument("--command", help="the console script (default: the installed one)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument(
        "--profile", type=Path, help="stream/stress: save a cProfile of each run in this folder"
    )
    parser.add_argument(
        "--full-redraw",
        action="store_true",
        help="stream/stress: the app writes every update whole, as Textual does (the figures before the writer)",
    )
    parser.add_argument(
        "--raw", type=Path, help="stream/stress: save the bytes written over each run's window in this folder"
    )
    args = parser.parse_args(argv)
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    unknown = parts - {"stream", "stress", "startup", "open"}
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    command = args.command or installed_command()
    results: dict[str, Any] = {"command": command, "terminal": f"{COLUMNS}x{LINES}", "streams": {}}
    with tempfile.TemporaryDirectory(prefix="ct-stream-") as name:
        tmp = Path(name)
        for part, kb, rate in (("stream", args.kb, args.rate), ("stress", args.stress_kb, args.stress_rate)):
            if part not in parts:
                continue
            for earlier in sorted({0, args.earlier}):
                label = f"{part} {rate:g}/s {kb:g} KB, {earlier} earlier"
                runs = stream_scenario(args, tmp, command, kb=kb, rate=rate, earlier=earlier)
                results["streams"][label] = {who: run.__dict__ for who, run in runs.items()}
                if not args.json:
                    print(f"  done: {label}", file=sys.stderr, flush=True)
        if parts & {"startup", "open"}:
            results.update(startup_and_open(args, tmp, command, parts))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(
            f"claude-textual vs plain Textual ({COLUMNS}x{LINES} pty, {os.cpu_count()} CPUs, "
            f"load {os.getloadavg()[0]:.2f})"
        )
        print_table(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
