"""Reading and writing conversations: the one place that turns rows into core model objects."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import uuid
from bisect import bisect_left
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, text, update
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session, col, select

from claude_textual.core.attachments import stored_source
from claude_textual.core.model import Block, Conversation, Message, SearchHit, Status, Totals, Usage, utcnow
from claude_textual.core.prices import PriceBook
from claude_textual.store import ledger
from claude_textual.store.engine import StoreError, file_identity, open_engine, recreate
from claude_textual.store.tables import (
    AttachmentRow,
    AttachmentUseRow,
    BlockRow,
    ConversationRow,
    MessageRow,
    UsageRow,
)

# Message-level fields of the API message kept beside the blocks (stop_details, container, …).
_EXTRA_KEYS = ("stop_sequence", "stop_details", "container", "context_management", "input_transformations")

STALE_SECONDS = 15.0
"""A reply still 'streaming' whose row was not written for this long belongs to a dead process.

A live turn rewrites its reply at least every few seconds (checkpoints while content arrives, a
heartbeat otherwise), so another app process on the same database never mistakes it for a dead one.
``CLAUDE_TEXTUAL_STALE_SECONDS`` overrides it (the crash tests shorten it)."""


def stale_seconds() -> float:
    value = os.environ.get("CLAUDE_TEXTUAL_STALE_SECONDS")
    try:
        return max(0.0, float(value)) if value else STALE_SECONDS
    except ValueError:
        return STALE_SECONDS


UNFINISHED = (
    "This reply was not finished in the history: the app stopped, or could not write to the database, "
    "while it streamed. It is kept up to its last checkpoint."
)
"""Said of a reply left 'streaming': from the row alone a crash and a save the disk refused look alike."""

LEAF = object()
"""``add_message``'s default parent: the conversation's current leaf."""

# The current branch, leaf first: parent links followed up from the conversation's leaf, or its latest
# message when no leaf is set (a parent's seq is always lower, which also bounds the walk should a
# link ever point the wrong way).
_PATH = text("""
    WITH RECURSIVE path(id, parent_id, seq) AS (
        SELECT m.id, m.parent_id, m.seq FROM message AS m
        JOIN conversation AS c ON m.id = coalesce(c.leaf_id, (
            SELECT id FROM message WHERE conversation_id = c.id ORDER BY seq DESC LIMIT 1))
        WHERE c.id = :conversation_id
        UNION ALL
        SELECT m.id, m.parent_id, m.seq FROM message AS m JOIN path AS p ON m.id = p.parent_id
        WHERE m.seq < p.seq)
    SELECT id, seq FROM path""")

# Every message under :message_id (itself included); the newest is the leaf of its latest branch.
_LATEST_LEAF = text("""
    WITH RECURSIVE under(id, seq) AS (
        SELECT id, seq FROM message WHERE id = :message_id AND conversation_id = :conversation_id
        UNION ALL
        SELECT m.id, m.seq FROM message AS m JOIN under AS u ON m.parent_id = u.id WHERE m.seq > u.seq)
    SELECT id FROM under ORDER BY seq DESC LIMIT 1""")

# Each listed message's place among its siblings (same parent, by seq) and how many there are.
_SIBLING_PLACES = """
    SELECT m.id,
           (SELECT count(*) FROM message AS s WHERE s.conversation_id = m.conversation_id
                AND s.parent_id IS m.parent_id AND s.seq <= m.seq),
           (SELECT count(*) FROM message AS s WHERE s.conversation_id = m.conversation_id
                AND s.parent_id IS m.parent_id)
    FROM message AS m WHERE m.id IN ({marks})"""


def stored_sha(block: Block) -> str | None:
    """The hash of the attached file a block sends (None: it sends none)."""
    sha = (stored_source(block) or {}).get("sha256")
    return sha if isinstance(sha, str) else None


def new_id() -> str:
    return uuid.uuid4().hex


def _conversation(row: ConversationRow) -> Conversation:
    return Conversation(
        id=row.id,
        title=row.title,
        model=row.model,
        system=row.system,
        created_at=row.created_at,
        updated_at=row.updated_at,
        message_count=row.message_count,
        archived=row.archived,
        deleted_at=row.deleted_at,
        leaf_id=row.leaf_id,
        options=dict(row.options or {}),
    )


def _in_view(view: str) -> list[Any]:
    if view == "trash":
        return [col(ConversationRow.deleted_at).is_not(None)]
    return [col(ConversationRow.deleted_at).is_(None), ConversationRow.archived == (view == "archived")]


def _usage(row: UsageRow) -> Usage:
    return Usage(
        raw=dict(row.raw),
        request_id=row.request_id,
        model=row.model,
        ttft_ms=row.ttft_ms,
        duration_ms=row.duration_ms,
        created_at=row.created_at,
        cost_usd=row.cost_usd,
        price_source=row.price_source,
    )


def _message(row: MessageRow, blocks: list[Block], usage: Usage | None) -> Message:
    return Message(
        id=row.id,
        conversation_id=row.conversation_id,
        seq=row.seq,
        parent_id=row.parent_id,
        role=row.role,
        content=blocks,
        model=row.model,
        stop_reason=row.stop_reason,
        status=Status(row.status),
        error=row.error,
        api_id=row.api_id,
        extra=dict(row.extra),
        usage=usage,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class History:
    """The history database. Each method is one short transaction; safe to share between threads.

    Every method blocks (on the disk, or on a lock another program holds for up to the busy timeout):
    the app calls them from worker threads only, never on the event loop (AGENTS.md)."""

    def __init__(self, path: Path, prices: PriceBook | None = None) -> None:
        self.path = Path(path)
        self.engine = open_engine(self.path)
        self.prices = prices or PriceBook()
        """Prices each usage record as it is written (``store/ledger.py`` sums them)."""
        self._identity = file_identity(self.path)
        self._recreating = threading.Lock()
        self.notices: list[str] = []
        """What happened to the file that the user should hear of (the session says each once)."""

    def _ensure_file(self) -> None:
        """Before a write: a database file deleted while the app runs is written again at its path
        from what the open connections still see, so what follows is not written into a file nobody
        will find (see ``engine.recreate``). A file put in its place by someone else is left alone."""
        if file_identity(self.path) == self._identity:
            return
        with self._recreating:
            if file_identity(self.path) is not None:
                return
            old, self.engine = self.engine, recreate(self.engine, self.path)
            old.dispose()
            self._identity = file_identity(self.path)
            self.notices.append(
                f"The history database {self.path} was deleted while the app was running. It has been "
                "written again there from what the app still had open: nothing was lost."
            )

    def close(self) -> None:
        with contextlib.suppress(Exception):  # deleted since the last write: written again first
            self._ensure_file()
        self.engine.dispose()

    # conversations -----------------------------------------------------------------------------
    def create_conversation(self, title: str, model: str, system: str = "") -> Conversation:
        self._ensure_file()
        now = utcnow()
        row = ConversationRow(
            id=new_id(), title=title, model=model, system=system, created_at=now, updated_at=now
        )
        with Session(self.engine) as session:
            session.add(row)
            session.commit()
            return _conversation(row)

    def list_conversations(
        self, limit: int = 200, offset: int = 0, *, view: str = "active", title: str = ""
    ) -> list[Conversation]:
        """Most recently active first, one page, optionally only titles containing ``title``."""
        query = select(ConversationRow).where(*_in_view(view))
        if title:
            query = query.where(func.instr(func.lower(ConversationRow.title), title.lower()) > 0)
        query = query.order_by(col(ConversationRow.updated_at).desc()).limit(limit).offset(offset)
        with Session(self.engine) as session:
            return [_conversation(r) for r in session.exec(query)]

    def count_conversations(self, view: str = "active") -> int:
        with Session(self.engine) as session:
            return session.exec(
                select(func.count()).select_from(ConversationRow).where(*_in_view(view))
            ).one()

    def _set(self, conversation_id: str, **values: Any) -> None:
        with Session(self.engine) as session:
            session.exec(
                update(ConversationRow).where(col(ConversationRow.id) == conversation_id).values(**values)
            )
            session.commit()

    def rename(self, conversation_id: str, title: str) -> None:
        self._set(conversation_id, title=title.strip() or "(untitled)")

    def set_archived(self, conversation_id: str, archived: bool) -> None:
        self._set(conversation_id, archived=archived)

    def trash(self, conversation_id: str) -> None:
        """Move to the trash (``restore`` takes it out again)."""
        self._set(conversation_id, deleted_at=utcnow())

    def restore(self, conversation_id: str) -> None:
        self._set(conversation_id, deleted_at=None)

    def trashed(self) -> list[str]:
        """The ids of the conversations in the trash."""
        with Session(self.engine) as session:
            return list(session.exec(select(ConversationRow.id).where(*_in_view("trash"))).all())

    def delete_forever(self, ids: list[str]) -> int:
        """Delete these conversations for good, in one transaction: their messages, blocks (and so
        their search rows, by trigger) and usage. Returns how many conversations went."""
        self._ensure_file()
        gone = 0
        with Session(self.engine) as session:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                messages = select(MessageRow.id).where(col(MessageRow.conversation_id).in_(chunk))
                session.exec(delete(BlockRow).where(col(BlockRow.message_id).in_(messages)))
                session.exec(delete(AttachmentUseRow).where(col(AttachmentUseRow.message_id).in_(messages)))
                session.exec(delete(UsageRow).where(col(UsageRow.conversation_id).in_(chunk)))
                session.exec(delete(MessageRow).where(col(MessageRow.conversation_id).in_(chunk)))
                result = session.exec(delete(ConversationRow).where(col(ConversationRow.id).in_(chunk)))
                gone += result.rowcount or 0
            used = select(AttachmentUseRow.sha256)
            session.exec(delete(AttachmentRow).where(col(AttachmentRow.sha256).not_in(used)))
            session.commit()
        return gone

    def compact(self) -> None:
        """Give the space of deleted rows back to the disk (the search index first, then ``VACUUM``)."""
        self._ensure_file()
        with self.engine.connect() as conn:
            conn.exec_driver_sql("INSERT INTO block_fts(block_fts) VALUES('optimize')")
            conn.commit()
            raw = conn.connection.driver_connection
            level, raw.isolation_level = raw.isolation_level, None  # VACUUM runs outside a transaction
            try:
                raw.execute("VACUUM")
            finally:
                raw.isolation_level = level

    def get_conversation(self, conversation_id: str) -> Conversation | None:
        with Session(self.engine) as session:
            row = session.get(ConversationRow, conversation_id)
            return _conversation(row) if row else None

    def resolve(self, ref: str) -> str:
        """A conversation id from ``last``, a full id or a unique prefix; StoreError if none."""
        with Session(self.engine) as session:
            if ref == "last":
                query = (
                    select(ConversationRow.id)
                    .where(*_in_view("active"))
                    .order_by(col(ConversationRow.updated_at).desc())
                    .limit(1)
                )
                found = session.exec(query).first()
                if found is None:
                    raise StoreError("There are no conversations yet.")
                return found
            matches = session.exec(
                select(ConversationRow.id)
                .where(col(ConversationRow.id).startswith(ref, autoescape=True))
                .limit(2)
            ).all()
        if len(matches) != 1:
            raise StoreError(f"No conversation matches {ref!r}." if not matches else f"{ref!r} is ambiguous.")
        return matches[0]

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """Messages whose blocks contain every term of ``query``, newest first."""
        from claude_textual.store.search import search

        return search(self.engine, query, limit)

    def usage_totals(self, conversation_id: str) -> Totals:
        """Every API call of the conversation added up, with its cost."""
        return ledger.conversation_totals(self.engine, [conversation_id]).get(
            conversation_id, Totals(conversation_id)
        )

    def conversation_totals(self, ids: list[str]) -> dict[str, Totals]:
        """These conversations' usage added up (those without any are left out)."""
        return ledger.conversation_totals(self.engine, ids)

    def totals(self, *, since: Any = None, by: str | None = None) -> list[Totals]:
        """All usage since the UTC day ``since``, added up, or grouped ``by`` day, model or conversation."""
        return ledger.totals(self.engine, since=since, by=by)

    def damage(self) -> str | None:
        """What SQLite's quick check finds wrong with the file (its first findings), or None when it is
        sound. A damaged file may still open and read, with rows missing: the user should hear of it."""
        try:
            with self.engine.connect() as conn:
                found = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check(3)")]
        except Exception as exc:  # noqa: BLE001 - a file too damaged to check says so itself
            return str(getattr(exc, "orig", exc))
        if found == ["ok"]:
            return None
        return "; ".join(line.strip() for item in found for line in item.splitlines() if line.strip())[:300]

    def reprice(self) -> int:
        """Price the records that ``prices`` does not price the way they were (see ``store/ledger.py``)."""
        return ledger.reprice(self.engine, self.prices)

    # messages ----------------------------------------------------------------------------------
    def branch(self, conversation_id: str) -> list[tuple[str, int]]:
        """(id, seq) of each message on the conversation's current branch, first to last."""
        with Session(self.engine) as session:
            rows = session.exec(_PATH, params={"conversation_id": conversation_id}).all()
        return [(r[0], r[1]) for r in reversed(rows)]

    def load_messages(
        self, conversation_id: str, *, last: int | None = None, before: int | None = None
    ) -> list[Message]:
        """The messages of a conversation's current branch in order, with blocks and usage.

        ``last`` keeps only the last N messages (before seq ``before`` when given), so a long
        transcript opens at its end without reading the rest.
        """
        ids = [i for i, seq in self.branch(conversation_id) if before is None or seq < before]
        if last is not None:
            ids = ids[max(0, len(ids) - last) :]
        return self.load_by_id(ids)

    def load_window(
        self, conversation_id: str, size: int, *, before: int | None = None, around: int | None = None
    ) -> tuple[list[Message], int, int]:
        """Up to ``size`` messages of the current branch: its last ones, the last ones before seq
        ``before``, or those around seq ``around``; with how many of the branch come before and after."""
        path = self.branch(conversation_id)
        seqs = [seq for _, seq in path]
        if around is not None:
            end = min(len(path), bisect_left(seqs, around) + size // 2)
        else:
            end = len(path) if before is None else bisect_left(seqs, before)
        start = max(0, end - size)
        return self.load_by_id([i for i, _ in path[start:end]]), start, len(path) - end

    def all_messages(self, conversation_id: str) -> list[Message]:
        """Every message of every branch, in the order they were made (seq)."""
        with Session(self.engine) as session:
            ids = session.exec(
                select(MessageRow.id)
                .where(MessageRow.conversation_id == conversation_id)
                .order_by(MessageRow.seq)
            ).all()
        return self.load_by_id(list(ids))

    def siblings(self, message_id: str) -> list[str]:
        """Ids of the message and its siblings (the branches at that point), oldest first."""
        with Session(self.engine) as session:
            row = session.get(MessageRow, message_id)
            if row is None:
                return []
            return list(
                session.exec(
                    select(MessageRow.id)
                    .where(
                        MessageRow.conversation_id == row.conversation_id,
                        col(MessageRow.parent_id).is_(row.parent_id),
                    )
                    .order_by(MessageRow.seq)
                ).all()
            )

    def sibling_places(self, ids: list[str]) -> dict[str, tuple[int, int]]:
        """For messages that have siblings: id -> (1-based place among them, how many), one query."""
        places: dict[str, tuple[int, int]] = {}
        with Session(self.engine) as session:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join(f":i{n}" for n in range(len(chunk)))
                query = text(_SIBLING_PLACES.format(marks=marks))
                for message_id, place, count in session.exec(
                    query, params={f"i{n}": i for n, i in enumerate(chunk)}
                ):
                    if count > 1:
                        places[message_id] = (place, count)
        return places

    def latest_leaf(self, conversation_id: str, message_id: str) -> str | None:
        """The newest message under ``message_id`` (itself when none): the leaf of its latest branch.
        None when the conversation has no such message."""
        with Session(self.engine) as session:
            return session.exec(
                _LATEST_LEAF, params={"conversation_id": conversation_id, "message_id": message_id}
            ).scalar()

    def follow(self, conversation_id: str, message_id: str) -> str | None:
        """Show the latest branch through ``message_id``; returns the new leaf (None: no such message)."""
        leaf = self.latest_leaf(conversation_id, message_id)
        if leaf is not None:
            self.set_leaf(conversation_id, leaf)
        return leaf

    def load_by_id(self, ids: list[str]) -> list[Message]:
        """These messages, in the order given, with blocks and usage (missing ids are skipped)."""
        rows: dict[str, MessageRow] = {}
        blocks: dict[str, list[Block]] = defaultdict(list)
        usage: dict[str, Usage] = {}
        with Session(self.engine) as session:
            for start in range(0, len(ids), 500):  # SQLite bounds the number of bound parameters
                chunk = ids[start : start + 500]
                for r in session.exec(select(MessageRow).where(col(MessageRow.id).in_(chunk))):
                    rows[r.id] = r
                block_rows = session.exec(
                    select(BlockRow.message_id, BlockRow.data)
                    .where(col(BlockRow.message_id).in_(chunk))
                    .order_by(BlockRow.message_id, BlockRow.idx)
                )
                for message_id, data in block_rows:
                    blocks[message_id].append(data)
                for u in session.exec(select(UsageRow).where(col(UsageRow.message_id).in_(chunk))):
                    if (u.raw or {}).get("purpose") != "title":  # what naming it cost is not the reply's
                        usage[u.message_id] = _usage(u)
        return [_message(rows[i], blocks[i], usage.get(i)) for i in ids if i in rows]

    def add_message(
        self, conversation_id: str, message: Message, *, parent_id: str | None | object = LEAF
    ) -> Message:
        """Append ``message`` to the conversation, after its current leaf unless ``parent_id`` says
        otherwise (a new branch), and make it the leaf; returns it with id, seq and parent set."""
        self._ensure_file()
        now = utcnow()
        with Session(self.engine) as session:
            # the write comes first, so the transaction holds the write lock before seq is read
            session.exec(
                update(ConversationRow)
                .where(col(ConversationRow.id) == conversation_id)
                .values(updated_at=now, message_count=ConversationRow.message_count + 1)
            )
            leaf = session.exec(
                select(ConversationRow.leaf_id).where(ConversationRow.id == conversation_id)
            ).first()
            seq = session.exec(
                select(func.coalesce(func.max(MessageRow.seq), -1)).where(
                    MessageRow.conversation_id == conversation_id
                )
            ).one()
            message.id = message.id or new_id()
            message.conversation_id, message.seq = (
                conversation_id,
                seq + 1,
            )  # (no conversation: the insert fails)
            message.parent_id = (leaf or None) if parent_id is LEAF else parent_id  # type: ignore[assignment]
            message.created_at = message.updated_at = now
            session.add(
                MessageRow(
                    id=message.id,
                    conversation_id=conversation_id,
                    seq=message.seq,
                    parent_id=message.parent_id,
                    role=message.role,
                    model=message.model,
                    stop_reason=message.stop_reason,
                    status=message.status.value,
                    error=message.error,
                    api_id=message.api_id,
                    extra=message.extra,
                    created_at=now,
                    updated_at=now,
                )
            )
            session.flush()
            self._write_blocks(session, message.id, message.content, {})
            session.exec(
                update(ConversationRow)
                .where(col(ConversationRow.id) == conversation_id)
                .values(leaf_id=message.id)
            )
            session.commit()
        return message

    def put_files(self, files: list[tuple[bytes, str]]) -> list[str]:
        """Keep these files' bytes (data, media type) once each; returns their hashes. A file already
        kept (sent before, in any conversation) is not written again."""
        self._ensure_file()
        now, hashes = utcnow(), []
        with Session(self.engine) as session:
            for data, media_type in files:
                sha = hashlib.sha256(data).hexdigest()
                session.exec(
                    insert(AttachmentRow)
                    .values(sha256=sha, media_type=media_type, size=len(data), data=data, created_at=now)
                    .on_conflict_do_nothing()
                )
                hashes.append(sha)
            session.commit()
        return hashes

    def files(self, hashes: list[str]) -> dict[str, bytes]:
        """The kept files among ``hashes`` (hash -> bytes)."""
        found: dict[str, bytes] = {}
        with Session(self.engine) as session:
            for start in range(0, len(hashes), 500):
                chunk = hashes[start : start + 500]
                rows = session.exec(
                    select(AttachmentRow.sha256, AttachmentRow.data).where(
                        col(AttachmentRow.sha256).in_(chunk)
                    )
                )
                found.update({sha: bytes(data) for sha, data in rows})
        return found

    def set_leaf(self, conversation_id: str, message_id: str | None) -> None:
        """Show the branch that ends at ``message_id``; None: no message yet (the next one added is a
        first message, a sibling of the others). A leaf never set (NULL) means the latest message."""
        self._set(conversation_id, leaf_id=message_id or "")

    def set_options(self, conversation_id: str, options: dict[str, Any]) -> None:
        """Replace the conversation's own settings."""
        self._set(conversation_id, options=options)

    def _write_blocks(
        self, session: Session, message_id: str, content: list[Block], saved: dict[int, Block]
    ) -> None:
        """Upsert the blocks that differ from ``saved`` (index -> block), drop any beyond the end; note
        the attached files a block uses."""
        for idx, block in enumerate(content):
            if saved.get(idx) == block:
                continue
            if (sha := stored_sha(block)) is not None:
                session.exec(
                    insert(AttachmentUseRow)
                    .values(message_id=message_id, sha256=sha)
                    .on_conflict_do_nothing()
                )
            stmt = insert(BlockRow).values(
                message_id=message_id, idx=idx, type=block.get("type", "?"), data=block
            )
            session.exec(
                stmt.on_conflict_do_update(
                    index_elements=["message_id", "idx"],
                    set_={"type": stmt.excluded.type, "data": stmt.excluded.data},
                )
            )
        if len(saved) > len(content):
            session.exec(
                delete(BlockRow).where(
                    col(BlockRow.message_id) == message_id, col(BlockRow.idx) >= len(content)
                )
            )

    def save_reply(
        self,
        message: Message,
        api_message: dict[str, Any] | None,
        *,
        status: Status,
        error: str | None = None,
        saved: dict[int, Block] | None = None,
    ) -> dict[int, Block]:
        """Store an assistant reply (partial or final) as the API shaped it.

        ``saved`` is what the previous call wrote, so a checkpoint rewrites only changed blocks;
        the return value is what to pass next time.
        """
        self._ensure_file()
        saved = saved if saved is not None else {}
        if api_message is not None:
            message.content = list(api_message.get("content") or [])
            message.model = api_message.get("model") or message.model
            message.stop_reason = api_message.get("stop_reason")
            message.api_id = api_message.get("id")
            # our own keys (attempts…) stay; the API's message-level fields are replaced
            ours = {k: v for k, v in message.extra.items() if k not in _EXTRA_KEYS}
            message.extra = {
                **ours,
                **{k: api_message[k] for k in _EXTRA_KEYS if api_message.get(k) is not None},
            }
        message.status, message.error, message.updated_at = status, error, utcnow()
        with Session(self.engine) as session:
            # blocks first: the search indexes them once, when the status leaves 'streaming' (0004)
            self._write_blocks(session, message.id, message.content, saved)
            session.exec(
                update(MessageRow)
                .where(col(MessageRow.id) == message.id)
                .values(
                    model=message.model,
                    stop_reason=message.stop_reason,
                    status=status.value,
                    error=error,
                    api_id=message.api_id,
                    extra=message.extra,
                    updated_at=message.updated_at,
                )
            )
            session.exec(
                update(ConversationRow)
                .where(col(ConversationRow.id) == message.conversation_id)
                .values(updated_at=message.updated_at)
            )
            session.commit()
        return dict(enumerate(message.content))

    def import_conversation(self, conversation: Conversation, messages: list[Message]) -> bool:
        """Store a whole conversation under its own id, times and statuses as given.

        Returns False, changing nothing, when a conversation with that id is already here, so
        importing the same file twice creates no duplicates. A message's ``parent_id`` is kept when it
        names an earlier message; otherwise its parent is the nearest earlier message that no retry
        replaced. The leaf is ``conversation.leaf_id`` when it is one of them, else the last message.
        """
        with Session(self.engine) as session:
            if session.get(ConversationRow, conversation.id) is not None:
                return False
            earlier: set[str] = set()
            previous: str | None = None
            for seq, message in enumerate(messages):
                message.id = message.id or new_id()
                message.conversation_id, message.seq = conversation.id, seq
                if message.parent_id not in earlier:
                    message.parent_id = previous
                earlier.add(message.id)
                if not message.extra.get("superseded"):
                    previous = message.id
            leaf = (
                conversation.leaf_id
                if conversation.leaf_id in earlier
                else (messages[-1].id if messages else None)
            )
            session.add(
                ConversationRow(
                    id=conversation.id,
                    title=conversation.title,
                    model=conversation.model,
                    system=conversation.system,
                    created_at=conversation.created_at,
                    updated_at=conversation.updated_at,
                    archived=conversation.archived,
                    message_count=len(messages),
                    leaf_id=leaf,
                    options=conversation.options,
                )
            )
            for seq, message in enumerate(messages):
                session.add(
                    MessageRow(
                        id=message.id,
                        conversation_id=conversation.id,
                        seq=seq,
                        parent_id=message.parent_id,
                        role=message.role,
                        model=message.model,
                        stop_reason=message.stop_reason,
                        status=message.status.value,
                        error=message.error,
                        api_id=message.api_id,
                        extra=message.extra,
                        created_at=message.created_at,
                        updated_at=message.updated_at,
                    )
                )
                session.flush()
                self._write_blocks(session, message.id, message.content, {})
                if message.usage is not None:
                    session.add(self._usage_row(message, message.usage))
            session.commit()
        return True

    def _usage_row(self, message: Message, usage: Usage) -> UsageRow:
        raw = usage.raw
        server = usage.server_tool_use
        cost = self.prices.cost(usage.model, raw, usage.created_at)
        usage.cost_usd = None if cost is None else float(cost.usd)
        usage.price_source = self.prices.source(usage.model)
        return UsageRow(
            message_id=message.id,
            conversation_id=message.conversation_id,
            request_id=usage.request_id,
            model=usage.model,
            input_tokens=usage.count("input_tokens"),
            output_tokens=usage.count("output_tokens"),
            cache_creation_input_tokens=usage.count("cache_creation_input_tokens"),
            cache_read_input_tokens=usage.count("cache_read_input_tokens"),
            web_search_requests=int(server.get("web_search_requests") or 0),
            web_fetch_requests=int(server.get("web_fetch_requests") or 0),
            service_tier=raw.get("service_tier"),
            ttft_ms=usage.ttft_ms,
            duration_ms=usage.duration_ms,
            raw=raw,
            created_at=usage.created_at,
            cost_usd=usage.cost_usd,
            price_source=usage.price_source,
        )

    def add_title(self, reply: Message, usage: Usage, title: str, auto: str) -> bool:
        """The small model's ``title`` for ``reply``'s conversation, and what asking cost (a usage row
        marked ``purpose: title``, counted in the totals, not shown as the reply's usage): the title
        is kept only while the conversation still has its first-prompt title ``auto``. Whether it was."""
        self._ensure_file()
        with Session(self.engine) as session:
            session.add(self._usage_row(reply, usage))
            renamed = session.exec(
                update(ConversationRow)
                .where(col(ConversationRow.id) == reply.conversation_id, col(ConversationRow.title) == auto)
                .values(title=title)
            ).rowcount
            session.commit()
        return bool(renamed)

    def add_usage(self, message: Message, usage: Usage) -> None:
        self._ensure_file()
        with Session(self.engine) as session:
            session.add(self._usage_row(message, usage))
            session.commit()
        message.usage = usage

    def touch(self, message: Message) -> None:
        """Mark a reply that is still streaming as alive (see ``STALE_SECONDS``); nothing else changes."""
        self._ensure_file()
        with Session(self.engine) as session:
            session.exec(
                update(MessageRow)
                .where(col(MessageRow.id) == message.id, col(MessageRow.status) == Status.STREAMING.value)
                .values(updated_at=utcnow())
            )
            session.commit()

    def mark_stale_streaming(self, older_than: float | None = None) -> int:
        """Replies left 'streaming' by a dead process become 'interrupted'; returns how many.

        Only rows not written for ``older_than`` seconds (default ``stale_seconds()``) count: a reply
        another live process is streaming into the same database is left alone.
        """
        age = stale_seconds() if older_than is None else older_than
        cutoff = utcnow() - timedelta(seconds=age)
        with Session(self.engine) as session:
            result = session.exec(
                update(MessageRow)
                .where(col(MessageRow.status) == Status.STREAMING.value, col(MessageRow.updated_at) < cutoff)
                .values(
                    status=Status.INTERRUPTED.value,
                    error=UNFINISHED,
                )
            )
            session.commit()
            return result.rowcount or 0
