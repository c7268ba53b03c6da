"""Full-text search over every content block (SQLite FTS5 with the trigram tokenizer).

Trigrams match any substring in any script — a word part, CJK text, a piece of code — and need
three characters; shorter terms are matched by a scan of the indexed text, as a filter when a
longer term narrows the search first. Results come newest first, one per message.
"""

from __future__ import annotations

import shlex
from datetime import UTC, datetime

from sqlalchemy import Engine, text

from claude_textual.core.model import SearchHit

MARK_START, MARK_END = "«", "»"


def terms_of(query: str) -> list[str]:
    """Split a query into terms; "quoted phrases" stay whole."""
    try:
        terms = shlex.split(query)
    except ValueError:  # an unbalanced quote
        terms = query.replace('"', " ").split()
    return [t for t in terms if t.strip()]


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def search(engine: Engine, query: str, limit: int = 20) -> list[SearchHit]:
    terms = terms_of(query)
    if not terms:
        return []
    long_terms = [t for t in terms if len(t) >= 3]
    short_terms = [t for t in terms if len(t) < 3]
    params: dict[str, object] = {"limit": limit * 4}
    where = ["c.deleted_at IS NULL"]
    if long_terms:
        where.append("block_fts MATCH :match")
        params["match"] = " AND ".join(_fts_phrase(t) for t in long_terms)
    for n, term in enumerate(short_terms):
        where.append(f"instr(lower(block_fts.text), :short{n}) > 0")
        params[f"short{n}"] = term.lower()
    snippet = (
        f"snippet(block_fts, 0, '{MARK_START}', '{MARK_END}', '…', 64)"
        if long_terms
        else "substr(block_fts.text, max(1, instr(lower(block_fts.text), :short0) - 50), 120)"
    )
    sql = f"""
        SELECT m.conversation_id, c.title, m.id, m.seq, m.role, {snippet}, m.created_at
        FROM block_fts
        JOIN block b ON b.id = block_fts.rowid
        JOIN message m ON m.id = b.message_id
        JOIN conversation c ON c.id = m.conversation_id
        WHERE {" AND ".join(where)}
        ORDER BY block_fts.rowid DESC
        LIMIT :limit
    """
    hits: dict[str, SearchHit] = {}
    with engine.connect() as conn:
        for conv_id, title, message_id, seq, role, passage, created in conn.execute(text(sql), params):
            if message_id in hits:
                continue
            hits[message_id] = SearchHit(
                conv_id, title, message_id, seq, role, " ".join(passage.split()), _parse_time(created)
            )
            if len(hits) == limit:
                break
    return list(hits.values())


def _parse_time(value: str | datetime) -> datetime:
    when = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return when if when.tzinfo else when.replace(tzinfo=UTC)
