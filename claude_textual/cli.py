"""The command line: start the app, or work on the history without it (``export``).

Only argparse and the config module load before the app starts; Textual, the store and the SDK are
imported by the path that needs them.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_textual import __version__
from claude_textual.config import Settings, default_config_path, default_db_path, load_settings, write_private
from claude_textual.core.model import VIEWS

if TYPE_CHECKING:
    from claude_textual.store.history import History


def _paths(suppress: bool) -> argparse.ArgumentParser:
    """--db and --config, accepted before or after a subcommand."""
    parser = argparse.ArgumentParser(add_help=False)
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--db",
        type=Path,
        default=default,
        help="history database (default: $CLAUDE_TEXTUAL_DB or the data dir)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=default,
        help="config file (default: $CLAUDE_TEXTUAL_CONFIG or the config dir)",
    )
    return parser


def _names(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected tool or server names separated by commas")
    return names


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day as YYYY-MM-DD, got {value!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claude-textual", description="A terminal app for Claude.", parents=[_paths(False)]
    )
    parser.add_argument("--version", action="version", version=f"claude-textual {__version__}")
    parser.add_argument("--model", help="model for new replies (default from config)")
    parser.add_argument("--prompt", help="send this prompt as soon as the app is up")
    parser.add_argument(
        "--attach",
        action="append",
        default=[],
        metavar="PATH",
        help="attach this file (an image, a PDF, a text file) to the prompt; again for more",
    )
    parser.add_argument(
        "--resume", metavar="ID|last", help="open a conversation: its id, an id prefix, or 'last'"
    )
    parser.add_argument("--demo", action="store_true", help="use the built-in offline demo backend")
    parser.add_argument(
        "--no-mouse",
        action="store_true",
        help="leave the mouse to the terminal: its own selection and copy work (no clicking in the app)",
    )
    parser.add_argument(
        "--allow-tools",
        type=_names,
        action="extend",
        default=[],
        metavar="NAME[,NAME...]",
        help="run these MCP tools (a tool name, or a server name for all its tools) without asking",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    export = sub.add_parser("export", help="print a conversation", parents=[_paths(True)])
    export.add_argument("id", nargs="?", help="conversation id or unique prefix")
    export.add_argument("--last", action="store_true", help="the most recently active conversation")
    export.add_argument("--format", choices=["json", "md", "html"], default="json")
    export.add_argument(
        "--all-branches",
        action="store_true",
        help="every branch, not only the one shown (JSON only; import restores them)",
    )
    export.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    listing = sub.add_parser("list", help="list conversations, most recent first", parents=[_paths(True)])
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.add_argument("--view", choices=VIEWS, default="active")
    search = sub.add_parser("search", help="full-text search of every message", parents=[_paths(True)])
    search.add_argument("query", help='words to find (all must match; "quote a phrase")')
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument("--limit", type=int, default=20, help="at most this many hits (default 20)")
    usage = sub.add_parser(
        "usage", help="tokens and cost: in total, by day, model or conversation", parents=[_paths(True)]
    )
    usage.add_argument("--json", action="store_true", help="print JSON (total, by_model, by_day)")
    usage.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="from this UTC day on")
    usage.add_argument("--by", choices=["day", "model", "conversation"], default="day", help="rows by (day)")
    deleting = sub.add_parser(
        "delete", help="delete conversations for good (no undo)", parents=[_paths(True)]
    )
    deleting.add_argument("ids", nargs="*", metavar="ID", help="conversation ids or unique prefixes")
    deleting.add_argument("--trash", action="store_true", help="every conversation in the trash")
    deleting.add_argument("--compact", action="store_true", help="then give the freed space back to the disk")
    serving = sub.add_parser(
        "serve",
        help="the app in a browser tab (textual-serve: pip install 'claude-textual[web]')",
        parents=[_paths(True)],
    )
    serving.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serving.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serving.add_argument(
        "--public",
        action="store_true",
        help="allow an address other than this machine's own: textual-serve has no login",
    )
    serving.add_argument("--demo", action="store_true", help="the offline demo backend")
    serving.add_argument("--model", help="model for new replies (default from config)")
    importing = sub.add_parser(
        "import", help="import our JSON exports or a claude.ai data export", parents=[_paths(True)]
    )
    importing.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="our JSON export, claude.ai conversations.json, or its .zip",
    )
    return parser


def _import(args: argparse.Namespace, db: Path) -> int:
    from claude_textual.core.prices import PriceBook
    from claude_textual.core.sanitize import inert
    from claude_textual.store.history import History
    from claude_textual.transcripts.importer import import_path

    settings = load_settings(args.config or default_config_path())
    history = History(db, PriceBook(settings.prices))
    failed = False
    for path in args.paths:
        report = import_path(history, path, settings.import_max_mb * 1024 * 1024)
        print(f"{inert(str(path))}: {report.summary()}")
        for name, reason in report.failed:
            print(f"  failed: {inert(name)}: {inert(reason)}", file=sys.stderr)
        failed = failed or not report.ok
    return 1 if failed else 0


def _open_history(db: Path, args: argparse.Namespace | None = None) -> History:
    """The history at ``db``; with ``args``, priced by their config's ``[prices]`` (and priced now)."""
    from claude_textual.core.prices import PriceBook
    from claude_textual.store.engine import StoreError
    from claude_textual.store.history import History

    if not db.exists():
        raise StoreError(
            f"There is no history database at {db} (the app creates it when it first starts); "
            "point --db (or CLAUDE_TEXTUAL_DB) at yours."
        )
    if args is None:
        return History(db)
    history = History(db, PriceBook(load_settings(args.config or default_config_path()).prices))
    with contextlib.suppress(StoreError):  # a read-only or locked database: the costs as they stand
        history.reprice()
    return history


def _delete(args: argparse.Namespace, db: Path) -> int:
    from claude_textual.core.sanitize import inert

    history = _open_history(db)
    ids = [history.resolve(ref) for ref in args.ids] + (history.trashed() if args.trash else [])
    titles = {i: (c.title if (c := history.get_conversation(i)) else "") for i in ids}
    gone = history.delete_forever(list(dict.fromkeys(ids)))
    for conversation_id, title in titles.items():
        print(f"deleted {conversation_id[:12]}  {inert(title)}")
    if args.compact:
        history.compact()
    print(f"{gone} conversation(s) deleted for good" + (", the database compacted" if args.compact else ""))
    return 0


def _usage(args: argparse.Namespace, db: Path) -> int:
    from claude_textual.core.describe import money, share
    from claude_textual.core.prices import table_name
    from claude_textual.core.sanitize import inert, inert_json
    from claude_textual.store.ledger import titles

    history = _open_history(db, args)
    (total,) = history.totals(since=args.since)
    groups = {by: history.totals(since=args.since, by=by) for by in ("model", "day", args.by)}
    names = (
        titles(history.engine, [t.key for t in groups["conversation"]]) if args.by == "conversation" else {}
    )
    if args.json:
        data = {
            "since": args.since.isoformat() if args.since else None,
            "prices": table_name(),
            "total": total.as_json(),
            "by_model": [t.as_json("model") for t in groups["model"]],
            "by_day": [t.as_json("day") for t in groups["day"]],
        }
        if args.by == "conversation":
            data["by_conversation"] = [
                {**t.as_json("conversation_id"), "title": names.get(t.key, "")}
                for t in groups["conversation"]
            ]
        print(inert_json(data))
        return 0
    since = f"since {args.since}" if args.since else "all time"
    print(f"Usage, {since} (UTC days) · prices: {table_name()}, as on each record's day")
    head = f"{args.by:<24} {'calls':>7} {'input':>12} {'cache write':>12} {'cache read':>12} {'output':>11}"
    print(f"{head} {'cache':>6} {'cost':>12}")
    for t in [*groups[args.by], total]:
        label = "total" if t is total else names.get(t.key) or t.key or "(no model)"
        print(
            f"{inert(label)[:24]:<24} {t.records:>7,} {t.input_tokens:>12,} {t.cache_creation_input_tokens:>12,} "
            f"{t.cache_read_input_tokens:>12,} {t.output_tokens:>11,} {share(t.cache_share):>6} "
            f"{money(t.cost_usd):>12}"
        )
    if total.unpriced_records:
        print(f"{total.unpriced_records:,} call(s) of models without a known price are not in the costs.")
    return 0


def _list(args: argparse.Namespace, db: Path) -> int:
    from claude_textual.core.sanitize import inert, inert_json

    conversations = _open_history(db).list_conversations(args.limit, view=args.view)
    if args.json:
        print(
            inert_json(
                [
                    {
                        "id": c.id,
                        "title": c.title,
                        "model": c.model,
                        "message_count": c.message_count,
                        "created_at": c.created_at.isoformat(),
                        "updated_at": c.updated_at.isoformat(),
                        "archived": c.archived,
                    }
                    for c in conversations
                ]
            )
        )
        return 0
    for c in conversations:
        when = c.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        print(f"{c.id[:12]}  {when}  {c.message_count:>5}  {inert(c.model)[:24]:<24}  {inert(c.title)}")
    return 0


def _search(args: argparse.Namespace, db: Path) -> int:
    from claude_textual.core.sanitize import inert, inert_json

    hits = _open_history(db).search(args.query, args.limit)
    if args.json:
        print(
            inert_json(
                [
                    {
                        "conversation_id": h.conversation_id,
                        "title": h.title,
                        "message_id": h.message_id,
                        "seq": h.seq,
                        "role": h.role,
                        "snippet": h.snippet,
                        "created_at": h.created_at.isoformat(),
                    }
                    for h in hits
                ]
            )
        )
        return 0
    for h in hits:
        when = h.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        print(f"{h.conversation_id[:12]}  {when}  #{h.seq} {h.role:<9}  {inert(h.title)}")
        print(f"    {inert(h.snippet)}")
    if not hits:
        print(f"no matches for {args.query!r}", file=sys.stderr)
    return 0 if hits else 1


def _export(args: argparse.Namespace, db: Path) -> int:
    from claude_textual.store.engine import StoreError
    from claude_textual.transcripts.export import attached_files, render

    history = _open_history(db, args)
    # a reply left streaming by an app that died (kill -9, power cut) is exported as interrupted;
    # a read-only or locked database still exports, as it stands
    with contextlib.suppress(StoreError):
        history.mark_stale_streaming()
    conversation_id = history.resolve("last" if args.last else args.id)
    conversation = history.get_conversation(conversation_id)
    assert conversation is not None
    messages = (history.all_messages if args.all_branches else history.load_messages)(conversation_id)
    files = attached_files(history, messages) if args.format != "md" else {}
    text = render(args.format, conversation, messages, files)
    text = text if text.endswith("\n") else text + "\n"
    if args.output:
        write_private(args.output, text)
    else:
        sys.stdout.write(text)
    return 0


def _attachments(paths: list[str]) -> tuple[Any, ...] | str:
    """The ``--attach`` files read and checked, or what is wrong with the first bad one (its path named)."""
    if not paths:
        return ()
    from claude_textual.core.attachments import AttachError, read
    from claude_textual.core.sanitize import inert

    try:
        return tuple(read(path) for path in paths)
    except AttachError as exc:
        return inert(str(exc))


def app_settings(args: argparse.Namespace) -> Settings:
    """The config file's settings, with what the command line adds (``--allow-tools``)."""
    settings = load_settings(args.config or default_config_path())
    if args.allow_tools:
        settings = replace(settings, allow_tools=(*settings.allow_tools, *args.allow_tools))
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "export" and bool(args.id) == bool(args.last):
        parser.error("export takes a conversation ID or --last (one of them)")
    if args.command == "delete" and not (args.ids or args.trash or args.compact):
        parser.error("delete takes conversation IDs, --trash, or --compact")
    if args.command == "export" and args.all_branches and args.format != "json":
        parser.error("--all-branches is for --format json (Markdown and HTML show one branch)")
    db = (args.db or default_db_path()).expanduser()
    if args.command is not None:
        from sqlalchemy.exc import SQLAlchemyError

        from claude_textual.core.sanitize import inert
        from claude_textual.store.engine import StoreError

        if args.command == "serve":
            from claude_textual.ui.serve import serve

            return serve(args, db)
        commands = {"export": _export, "list": _list, "search": _search, "import": _import, "usage": _usage}
        command = {**commands, "delete": _delete}[args.command]
        try:
            return command(args, db)
        except (StoreError, OSError) as exc:
            print(f"claude-textual: {inert(str(exc))}", file=sys.stderr)
            return 1
        except SQLAlchemyError as exc:  # a database failure StoreError does not explain: still no traceback
            print(
                f"claude-textual: the history database {db} failed: {inert(str(getattr(exc, 'orig', exc)))}",
                file=sys.stderr,
            )
            return 1

    attached = _attachments(args.attach)
    if isinstance(attached, str):
        print(f"claude-textual: {attached}", file=sys.stderr)
        return 2

    from claude_textual.config import cache_dir
    from claude_textual.core.client import api_key_from_env
    from claude_textual.guard import run_guarded

    settings = app_settings(args)
    api_key = api_key_from_env()

    def start() -> int:
        import os

        from claude_textual.ui.app import ClaudeApp

        app = ClaudeApp(
            settings,
            db,
            api_key=api_key,
            base_url=os.environ.get("ANTHROPIC_BASE_URL"),
            demo=args.demo or api_key is None,
            model=args.model,
            initial_prompt=args.prompt,
            initial_attachments=attached,
            resume=args.resume,
        )
        app.run(mouse=not args.no_mouse)
        return app.return_code or 0

    return run_guarded(start, db, cache_dir() / "crash.log")  # the terminal is put back after a crash
