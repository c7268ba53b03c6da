"""``claude-textual serve``: the whole app in a browser tab, through textual-serve.

Each browser tab that connects gets its own app process (``python -m claude_textual``), on the same
history and config; the API key stays in the environment, never on a command line. textual-serve has no
login, so the server listens on this machine's own address unless ``--public`` says otherwise.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import socket
import sys
from pathlib import Path

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tunnel_hint(port: int) -> str:
    """How to reach a server on this machine's own address from another one, safely."""
    return (
        f"From another machine, tunnel it over SSH: ssh -N -L {port}:127.0.0.1:{port} "
        f"{socket.gethostname()} and open http://127.0.0.1:{port} there."
    )


def app_command(args: argparse.Namespace, db: Path) -> str:
    """The command each tab runs: this Python, this package, the same history, config and options."""
    argv = [sys.executable, "-m", "claude_textual", "--db", str(db)]
    if args.config:
        argv += ["--config", str(args.config)]
    if args.demo:
        argv.append("--demo")
    if args.model:
        argv += ["--model", args.model]
    return shlex.join(argv)


def serve(args: argparse.Namespace, db: Path) -> int:
    try:
        from textual_serve.server import Server
    except ImportError:
        print("claude-textual: serve needs textual-serve: pip install 'claude-textual[web]'", file=sys.stderr)
        return 2
    if not is_loopback(args.host) and not args.public:
        print(
            f"claude-textual: {args.host} is reachable from other machines, and textual-serve has no "
            "login: anyone who reaches it uses your API key and reads your history. Listen on 127.0.0.1 "
            f"(the default) and tunnel: {tunnel_hint(args.port)} Or add --public if you mean it.",
            file=sys.stderr,
        )
        return 2
    if is_loopback(args.host):
        print(f"claude-textual: open http://{args.host}:{args.port} — {tunnel_hint(args.port)}")
    else:
        print(f"claude-textual: listening on {args.host}:{args.port} for anyone who reaches it (--public).")
    sys.stdout.flush()
    Server(app_command(args, db), host=args.host, port=args.port, title="claude-textual").serve()
    return 0
