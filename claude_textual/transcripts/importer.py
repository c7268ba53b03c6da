"""Import conversations: our own JSON export, or a claude.ai data export (conversations.json or its .zip).

Each conversation is checked and converted in full before anything is written, then stored in one
transaction under its own id, so a bad one is reported and leaves nothing behind, and importing
the same file again skips what is already here. Our JSON export comes back exactly: exporting
the imported conversation gives the same text.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from claude_textual.core.attachments import (
    IMAGE_TYPES,
    PDF,
    PDF_MAX_BYTES,
    TEXT,
    missing,
    stored_source,
    stored_sources,
)
from claude_textual.core.describe import title_from
from claude_textual.core.model import Block, Conversation, Message, Status, Usage, utcnow
from claude_textual.store.history import History

CLAUDE_AI_MODEL = "claude.ai"
CONVERSATIONS_JSON = "conversations.json"
_USAGE_FIELDS = ("request_id", "model", "ttft_ms", "duration_ms", "created_at", "cost_usd", "price_source")
"""Usage keys that are ours, not the API's: a cost in a file is not taken, the history prices it."""
_TITLE_LENGTH = 80


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


class Invalid(ValueError):
    """The input is not what it should be; the message says what, for the report."""


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
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == CONVERSATIONS_JSON]
            if not names:
                raise Invalid(f"the zip archive holds no {CONVERSATIONS_JSON}")
            with archive.open(min(names, key=lambda n: n.count("/"))) as member:
                raw = _read(member, limit)
    else:
        if path.stat().st_size > limit:
            raise _too_big(limit)
        with path.open("rb") as file:
            raw = _read(file, limit)
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


def _kind(item: Any) -> str | None:
    if isinstance(item, dict):
        if "chat_messages" in item:
            return "claude.ai"
        if "messages" in item and "id" in item:
            return "export"
    return None


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


def import_path(history: History, path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> ImportReport:
    """Import every conversation in ``path`` into ``history``; never raises for bad input. A file (or
    a zip's conversations.json) over ``max_bytes`` is refused unread."""
    path = Path(path)
    report = ImportReport()
    try:
        data = _load(path, max_bytes)
    except Invalid as exc:
        report.failed.append((path.name, str(exc)))
        return report
    except OSError as exc:
        report.failed.append((path.name, f"cannot read it: {exc.strerror or exc}"))
        return report
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError) as exc:
        report.failed.append((path.name, f"cannot read the zip archive: {exc}"))
        return report

    if isinstance(data, dict):
        items, indexed = [data], False
    elif isinstance(data, list):
        items, indexed = data, True
        if not items:
            report.failed.append((path.name, "the file holds no conversations (an empty list)"))
            return report
    else:
        report.failed.append(
            (path.name, "not a conversation export: expected a JSON object or a list of them")
        )
        return report

    for index, item in enumerate(items):
        name = f"{path.name} {_label(item, index if indexed else None)}".strip()
        kind = _kind(item)
        files: list[tuple[bytes, str]] = []
        try:
            if kind == "export":
                conversation, messages = from_export(item)
                files = export_files(item, messages)
            elif kind == "claude.ai":
                conversation, messages = from_claude_ai(item)
            else:
                raise Invalid(
                    "not a conversation: expected our JSON export (id, messages) "
                    "or a claude.ai conversation (uuid, chat_messages)"
                )
        except Invalid as exc:
            report.failed.append((name, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - a shape no check foresaw: one line, and the rest goes on
            report.failed.append((name, f"cannot be read: {type(exc).__name__}: {_first_line(exc)}"))
            continue
        if kind == "claude.ai" and not messages:
            report.empty.append(conversation.id)
            continue
        try:
            if files and history.get_conversation(conversation.id) is None:
                history.put_files(files)  # first: a block's search text reads its file
            stored = history.import_conversation(conversation, messages)
        except Exception as exc:  # noqa: BLE001 - reported, and the transaction was rolled back
            report.failed.append((name, f"could not be stored: {type(exc).__name__}: {_first_line(exc)}"))
            continue
        (report.imported if stored else report.skipped).append(conversation.id)
    return report


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


# checking values -------------------------------------------------------------------------------
def _str(
    data: dict[str, Any], key: str, where: str, *, default: str | None = None, required: bool = False
) -> str | None:
    value = data.get(key, default)
    if value is None:
        if required:
            raise Invalid(f"{where}: {key!r} is missing")
        return None
    if not isinstance(value, str):
        raise Invalid(f"{where}: {key!r} should be text, not {type(value).__name__}")
    if required and not value:
        raise Invalid(f"{where}: {key!r} is empty")
    return value


def _int(data: dict[str, Any], key: str, where: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{where}: {key!r} should be a whole number")
    return value


def parse_time(value: Any, where: str, default: datetime | None = None) -> datetime:
    """An ISO 8601 timestamp (a trailing ``Z`` too) as an aware UTC datetime; naive means UTC."""
    if value is None or value == "":
        if default is None:
            raise Invalid(f"{where} is missing")
        return default
    if not isinstance(value, str):
        raise Invalid(f"{where} should be an ISO 8601 timestamp, not {type(value).__name__}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{where} is not an ISO 8601 timestamp: {value[:40]!r}") from None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (OverflowError, ValueError):  # year 9999 behind UTC, or year 1 ahead of it
        raise Invalid(f"{where} is out of range once in UTC: {value[:40]!r}") from None


_TEXT_FIELDS = {
    "text": ("text",),
    "thinking": ("thinking", "signature"),
    "redacted_thinking": ("data",),
    "tool_use": ("id", "name"),
    "server_tool_use": ("id", "name"),
    "tool_result": ("tool_use_id",),
}
"""Fields that must be text in the block types the app reads (a missing one is left to the block's
own checks, which mend or skip it)."""


def _check_block(block: dict[str, Any], where: str) -> None:
    for key in _TEXT_FIELDS.get(block["type"], ()):
        if key in block and not isinstance(block[key], str):
            raise Invalid(f"{where}: {key!r} should be text, not {type(block[key]).__name__}")
    if block["type"] in ("tool_use", "server_tool_use") and not isinstance(block.get("input", {}), dict):
        raise Invalid(f"{where}: 'input' should be an object")


def _blocks(value: Any, where: str) -> list[Block]:
    if isinstance(value, str):
        return [{"type": "text", "text": value}] if value else []
    if not isinstance(value, list):
        raise Invalid(f"{where}: 'content' should be a list of blocks")
    for n, block in enumerate(value):
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise Invalid(f"{where}: block {n} is not a content block (an object with a 'type')")
        _check_block(block, f"{where}: block {n}")
    return value


# our JSON export --------------------------------------------------------------------------------
def _usage(data: Any, where: str, default_time: datetime) -> Usage | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise Invalid(f"{where}: 'usage' should be an object")
    return Usage(
        raw={k: v for k, v in data.items() if k not in _USAGE_FIELDS},
        request_id=_str(data, "request_id", where),
        model=_str(data, "model", where),
        ttft_ms=_int(data, "ttft_ms", where),
        duration_ms=_int(data, "duration_ms", where),
        created_at=parse_time(data.get("created_at"), f"{where}: usage 'created_at'", default_time),
    )


def _export_message(data: Any, n: int, default_time: datetime) -> Message:
    where = f"message {n + 1}"
    if not isinstance(data, dict):
        raise Invalid(f"{where} is not an object")
    status = data.get("status", Status.COMPLETE.value)
    try:
        status = Status(status)
    except ValueError:
        raise Invalid(f"{where}: unknown status {status!r}") from None
    extra = data.get("extra") or {}
    if not isinstance(extra, dict):
        raise Invalid(f"{where}: 'extra' should be an object")
    created = parse_time(data.get("created_at"), f"{where}: 'created_at'", default_time)
    return Message(
        id=_str(data, "id", where) or None,
        parent_id=_str(data, "parent_id", where),
        role=_str(data, "role", where, required=True) or "",
        content=_blocks(data.get("content", []), where),
        stop_reason=_str(data, "stop_reason", where),
        status=status,
        error=_str(data, "error", where),
        model=_str(data, "model", where),
        api_id=_str(data, "api_id", where),
        extra=extra,
        created_at=created,
        updated_at=parse_time(data.get("updated_at"), f"{where}: 'updated_at'", created),
        usage=_usage(data.get("usage"), where, created),
    )


def from_export(data: dict[str, Any]) -> tuple[Conversation, list[Message]]:
    """A conversation as ``transcripts.export.to_json`` wrote it, back as model objects, exactly."""
    where = "conversation"
    ident = _str(data, "id", where, required=True) or ""
    raw_messages = data.get("messages")
    if not isinstance(raw_messages, list):
        raise Invalid("'messages' should be a list")
    archived = data.get("archived", False)
    if not isinstance(archived, bool):
        raise Invalid("'archived' should be true or false")
    created = parse_time(data.get("created_at"), "the conversation's 'created_at'", utcnow())
    conversation = Conversation(
        id=ident,
        title=_str(data, "title", where, default="") or "",
        model=_str(data, "model", where, default="") or "",
        system=_str(data, "system", where, default="") or "",
        created_at=created,
        updated_at=parse_time(data.get("updated_at"), "the conversation's 'updated_at'", created),
        archived=archived,
        leaf_id=_str(data, "leaf_id", where),
    )
    messages = [_export_message(m, n, created) for n, m in enumerate(raw_messages)]
    conversation.message_count = len(messages)
    return conversation, messages


FILE_TYPES = (*IMAGE_TYPES.values(), PDF, TEXT)
"""The media types an imported file may have (what the app itself attaches)."""


def export_files(data: dict[str, Any], messages: list[Message]) -> list[tuple[bytes, str]]:
    """The attached files an export carries (``files``: hash -> media type and base64), each checked
    against its hash and kind; an attachment whose file is not among them, or not valid, becomes a text
    block saying it is missing (an import never points at a file the history holds for another)."""
    raw = data.get("files") or {}
    if not isinstance(raw, dict):
        raise Invalid("'files' should be an object")
    wanted = {s.get("sha256") for s in stored_sources(messages)}
    files: dict[str, tuple[bytes, str]] = {}
    for sha, entry in raw.items():
        if sha not in wanted or not isinstance(entry, dict) or entry.get("media_type") not in FILE_TYPES:
            continue
        try:
            content = base64.b64decode(str(entry.get("data")), validate=True)
        except ValueError:
            continue
        if len(content) <= PDF_MAX_BYTES and hashlib.sha256(content).hexdigest() == sha:
            files[sha] = (content, entry["media_type"])
    for message in messages:
        message.content = [
            missing(source)
            if (source := stored_source(b)) is not None
            and files.get(source.get("sha256"), (b"", None))[1] != source.get("media_type")
            else b
            for b in message.content
        ]
    return list(files.values())


# claude.ai data export --------------------------------------------------------------------------
def claude_ai_id(value: str) -> str:
    """Our id for a claude.ai uuid: its 32 hex digits, so the same conversation always maps to it."""
    try:
        return uuid.UUID(value.strip()).hex
    except ValueError:
        return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


def _citations(value: Any) -> list[dict[str, Any]]:
    citations = []
    for c in value if isinstance(value, list) else []:
        if not isinstance(c, dict):
            continue
        details = c.get("details") if isinstance(c.get("details"), dict) else {}
        url = c.get("url") or details.get("url")
        if not isinstance(url, str) or not url:
            continue
        citations.append(
            {
                "type": "web_search_result_location",
                "url": url,
                "title": c.get("title") or details.get("title"),
                "cited_text": c.get("cited_text") or details.get("cited_text") or "",
            }
        )
    return citations


def _tool_result_content(value: Any) -> str | list[Block]:
    if isinstance(value, str):
        return value
    blocks: list[Block] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict) and item.get("type") == "text" and isinstance(item.get("text"), str):
            blocks.append({"type": "text", "text": item["text"]})
        elif isinstance(item, dict):
            blocks.append({"type": "text", "text": json.dumps(item, ensure_ascii=False)})
        elif item is not None:
            blocks.append({"type": "text", "text": str(item)})
    return blocks


def _claude_ai_block(block: Any, message_id: str, n: int, last_tool: list[str]) -> Block | None:
    """One claude.ai content block in Messages API shape (None for an empty one)."""
    if not isinstance(block, dict):
        return {"type": "text", "text": str(block)} if block not in (None, "") else None
    kind = block.get("type")
    if kind == "text":
        text = block.get("text")
        if not isinstance(text, str) or not text:
            return None
        out: Block = {"type": "text", "text": text}
        citations = _citations(block.get("citations"))
        if citations:
            out["citations"] = citations
        return out
    if kind == "thinking":
        thinking = block.get("thinking")
        if not isinstance(thinking, str) or not thinking:
            return None
        # claude.ai signs nothing we can send back; the request builder leaves unsigned thinking out.
        return {"type": "thinking", "thinking": thinking, "signature": ""}
    if kind == "tool_use":
        ident = (
            block.get("id")
            if isinstance(block.get("id"), str) and block.get("id")
            else f"toolu_import_{message_id[:16]}_{n}"
        )
        last_tool.append(ident)
        tool_input = block.get("input")
        return {
            "type": "tool_use",
            "id": ident,
            "name": str(block.get("name") or "tool"),
            "input": tool_input if isinstance(tool_input, dict) else {"value": tool_input},
        }
    if kind == "tool_result":
        ident = block.get("tool_use_id")
        if not isinstance(ident, str) or not ident:
            ident = last_tool[-1] if last_tool else f"toolu_import_{message_id[:16]}_{n}"
        out = {
            "type": "tool_result",
            "tool_use_id": ident,
            "content": _tool_result_content(block.get("content")),
        }
        if block.get("is_error"):
            out["is_error"] = True
        return out
    # Anything else (a claude.ai-only block) is kept whole, as an unknown block.
    return dict(block)


def _claude_ai_message(data: Any, n: int, conversation_id: str, default_time: datetime) -> Message:
    where = f"message {n + 1}"
    if not isinstance(data, dict):
        raise Invalid(f"{where} is not an object")
    sender = data.get("sender")
    role = {"human": "user", "assistant": "assistant"}.get(sender) if isinstance(sender, str) else None
    if role is None:
        raise Invalid(f"{where}: unknown sender {sender!r} (expected 'human' or 'assistant')")
    raw_uuid = data.get("uuid")
    has_uuid = isinstance(raw_uuid, str) and raw_uuid
    message_id = claude_ai_id(raw_uuid) if has_uuid else f"{conversation_id}m{n}"
    content: list[Block] = []
    raw_content = data.get("content")
    if isinstance(raw_content, list) and raw_content:
        last_tool: list[str] = []
        for i, block in enumerate(raw_content):
            converted = _claude_ai_block(block, message_id, i, last_tool)
            if converted is not None:
                content.append(converted)
    elif raw_content not in (None, [], ""):
        raise Invalid(f"{where}: 'content' should be a list of blocks")
    if not content:
        text = data.get("text")
        if text is not None and not isinstance(text, str):
            raise Invalid(f"{where}: 'text' should be text")
        if text:
            content.append({"type": "text", "text": text})
    for key, label in (("attachments", "Attachment"), ("files", "File")):
        items = data.get(key) or []
        if not isinstance(items, list):
            raise Invalid(f"{where}: {key!r} should be a list")
        for item in items:
            if not isinstance(item, dict):
                continue
            name = item.get("file_name") or item.get("name") or "unnamed"
            extracted = item.get("extracted_content") if key == "attachments" else None
            if key == "files" and any(b.get("text", "").startswith(f"[Attachment: {name}]") for b in content):
                continue  # the same file, already included with its text
            body = f"[{label}: {name}]"
            if isinstance(extracted, str) and extracted:
                body += f"\n{extracted}"
            elif key == "files":
                body += " (its content is not in the export)"
            content.append({"type": "text", "text": body})
    created = parse_time(data.get("created_at"), f"{where}: 'created_at'", default_time)
    return Message(
        id=message_id,
        role=role,
        content=content,
        status=Status.COMPLETE,
        created_at=created,
        updated_at=parse_time(data.get("updated_at"), f"{where}: 'updated_at'", created),
    )


def _title(name: Any, messages: list[Message]) -> str:
    if isinstance(name, str) and name.strip():
        return " ".join(name.split())
    for message in messages:
        if message.role == "user" and message.text().strip():
            return title_from(message.text(), _TITLE_LENGTH)
    return "(untitled)"


def from_claude_ai(data: dict[str, Any]) -> tuple[Conversation, list[Message]]:
    """One conversation of a claude.ai data export as model objects (id derived from its uuid)."""
    raw_uuid = data.get("uuid")
    if not isinstance(raw_uuid, str) or not raw_uuid.strip():
        raise Invalid("the conversation has no 'uuid'")
    ident = claude_ai_id(raw_uuid)
    chat = data.get("chat_messages")
    if not isinstance(chat, list):
        raise Invalid("'chat_messages' should be a list")
    created = parse_time(data.get("created_at"), "the conversation's 'created_at'", utcnow())
    messages = [_claude_ai_message(m, n, ident, created) for n, m in enumerate(chat)]
    ids = [m.id for m in messages]
    if len(set(ids)) != len(ids):
        raise Invalid("two messages share one uuid")
    last = max((m.updated_at for m in messages), default=created)
    conversation = Conversation(
        id=ident,
        title=_title(data.get("name"), messages),
        model=CLAUDE_AI_MODEL,
        created_at=created,
        updated_at=parse_time(data.get("updated_at"), "the conversation's 'updated_at'", max(last, created)),
        message_count=len(messages),
    )
    return conversation, messages
