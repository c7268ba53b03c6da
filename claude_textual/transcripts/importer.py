"""Import conversations: our own JSON export, or a claude.ai data export (conversations.json or its .zip).

Each conversation is checked and converted in full before anything is written, then stored in one
transaction under its own id, so a bad one is reported and leaves nothing behind, and importing
the same file again skips what is already here. Our JSON export comes back exactly: exporting
the imported conversation gives the same text. The formats are read by ``from_json`` and
``claude_ai``; this module reads the file and stores what they give.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claude_textual.core.model import Conversation, Message
from claude_textual.store.history import History
from claude_textual.transcripts.claude_ai import from_claude_ai
from claude_textual.transcripts.fields import Invalid
from claude_textual.transcripts.from_json import export_files, from_export

CONVERSATIONS_JSON = "conversations.json"


@dataclass
class ImportReport:
    """What an import did, by conversation id: imported, skipped (already here), and what failed why.

    ``empty`` lists claude.ai conversations left out because they hold no messages (claude.ai keeps
    every chat that was opened, even with nothing typed).
    """

    imported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        text = f"{len(self.imported)} imported, {len(self.skipped)} already present"
        if self.empty:
            text += f", {len(self.empty)} empty left out"
        if self.failed:
            text += f", {len(self.failed)} failed"
        return text


# reading the file ------------------------------------------------------------------------------
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
"""The largest JSON an import reads (``import_max_mb`` in config.toml): parsed, a file takes about ten
times its size in memory."""


def _too_big(limit: int) -> Invalid:
    return Invalid(
        f"larger than the import limit of {limit / 1024 / 1024:,.0f} MB, so it was not read "
        "(raise import_max_mb in config.toml to import it)"
    )


def _read(stream: Any, limit: int) -> bytes:
    """At most ``limit`` bytes of ``stream``: a file (or a zip member, whatever its header says) that
    holds more is refused after ``limit`` bytes, not read whole."""
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise _too_big(limit)
    return raw


def _read_zip(path: Path, limit: int) -> bytes:
    """The archive's conversations.json (the one nearest its top)."""
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == CONVERSATIONS_JSON]
        if not names:
            raise Invalid(f"the zip archive holds no {CONVERSATIONS_JSON}")
        with archive.open(min(names, key=lambda n: n.count("/"))) as member:
            return _read(member, limit)


def _parse(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if not text.strip():
        raise Invalid("the file is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise Invalid("not a conversation export: its JSON is nested too deeply to read") from None


def _load(path: Path, limit: int = DEFAULT_MAX_BYTES) -> Any:
    """The JSON in ``path``: a JSON file, a .zip holding conversations.json, or a folder holding one."""
    if path.is_dir():
        inner = path / CONVERSATIONS_JSON
        if not inner.is_file():
            raise Invalid(f"the folder has no {CONVERSATIONS_JSON}")
        return _load(inner, limit)
    if not path.exists():
        raise Invalid("no such file")
    if zipfile.is_zipfile(path):
        return _parse(_read_zip(path, limit))
    if path.stat().st_size > limit:
        raise _too_big(limit)
    with path.open("rb") as file:
        return _parse(_read(file, limit))


def _read_items(path: Path, limit: int) -> tuple[list[Any], bool]:
    """The conversations in the file, and whether they came as a list (so each is named by its place)."""
    try:
        data = _load(path, limit)
    except OSError as exc:
        raise Invalid(f"cannot read it: {exc.strerror or exc}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError) as exc:
        raise Invalid(f"cannot read the zip archive: {exc}") from None
    if isinstance(data, dict):
        return [data], False
    if not isinstance(data, list):
        raise Invalid("not a conversation export: expected a JSON object or a list of them")
    if not data:
        raise Invalid("the file holds no conversations (an empty list)")
    return data, True


# converting and storing each conversation ------------------------------------------------------
def _label(item: Any, index: int | None) -> str:
    where = f"#{index + 1}" if index is not None else ""
    if isinstance(item, dict):
        name = item.get("title") if "messages" in item else item.get("name")
        ident = item.get("id") or item.get("uuid")
        if isinstance(name, str) and name.strip():
            where = f"{where} {' '.join(name.split())[:60]!r}".strip()
        if isinstance(ident, str) and ident:
            where = f"{where} ({ident})".strip()
    return where


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


Converted = tuple[Conversation, list[Message], list[tuple[bytes, str]]]
"""A conversation, its messages and the attached files it carries."""


def _convert(item: Any) -> Converted:
    """One conversation of either format; Invalid says why it cannot be."""
    if isinstance(item, dict) and "chat_messages" in item:
        return (*from_claude_ai(item), [])
    if isinstance(item, dict) and "messages" in item and "id" in item:
        conversation, messages = from_export(item)
        return conversation, messages, export_files(item, messages)
    raise Invalid(
        "not a conversation: expected our JSON export (id, messages) "
        "or a claude.ai conversation (uuid, chat_messages)"
    )


def _store(history: History, converted: Converted) -> bool:
    """Store one conversation in one transaction (False: it is already here)."""
    conversation, messages, files = converted
    if files and history.get_conversation(conversation.id) is None:
        history.put_files(files)  # first: a block's search text reads its file
    return history.import_conversation(conversation, messages)


def _import_one(history: History, item: Any, name: str, report: ImportReport) -> None:
    try:
        converted = _convert(item)
    except Invalid as exc:
        report.failed.append((name, str(exc)))
        return
    except Exception as exc:  # noqa: BLE001 - a shape no check foresaw: one line, and the rest goes on
        report.failed.append((name, f"cannot be read: {type(exc).__name__}: {_first_line(exc)}"))
        return
    conversation, messages, _ = converted
    if not messages and "chat_messages" in item:
        report.empty.append(conversation.id)
        return
    try:
        stored = _store(history, converted)
    except Exception as exc:  # noqa: BLE001 - reported, and the transaction was rolled back
        report.failed.append((name, f"could not be stored: {type(exc).__name__}: {_first_line(exc)}"))
        return
    (report.imported if stored else report.skipped).append(conversation.id)


def import_path(history: History, path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> ImportReport:
    """Import every conversation in ``path`` into ``history``; never raises for bad input. A file (or
    a zip's conversations.json) over ``max_bytes`` is refused unread."""
    path = Path(path)
    report = ImportReport()
    try:
        items, indexed = _read_items(path, max_bytes)
    except Invalid as exc:
        report.failed.append((path.name, str(exc)))
        return report
    for index, item in enumerate(items):
        name = f"{path.name} {_label(item, index if indexed else None)}".strip()
        _import_one(history, item, name, report)
    return report
