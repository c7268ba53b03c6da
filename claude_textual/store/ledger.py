"""What the history's API calls cost, added up: priced once per record, summed by SQLite.

Each usage row keeps its cost and what priced it (``core/prices.PriceBook.source``). ``reprice`` prices
the rows whose model is now priced by something else (rows stored before costs were kept, a new price
table, a changed ``[prices]`` override), so every sum here is a plain ``SUM`` however long the history.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import Engine, bindparam, case, func, update
from sqlmodel import Session, col, select

from claude_textual.core.model import Totals
from claude_textual.core.prices import PriceBook
from claude_textual.store.tables import ConversationRow, UsageRow

GROUPS = ("day", "model", "conversation")


def reprice(engine: Engine, book: PriceBook) -> int:
    """Price every record not priced by what prices its model now; returns how many were priced."""
    with Session(engine) as session:
        pairs = session.exec(select(UsageRow.model, UsageRow.price_source).distinct()).all()
        stale = sorted({model for model, source in pairs if source != book.source(model)}, key=str)
        changed = 0
        for model in stale:
            source = book.source(model)
            rows = session.exec(
                select(UsageRow.id, UsageRow.raw, UsageRow.created_at).where(
                    col(UsageRow.model).is_(None) if model is None else col(UsageRow.model) == model,
                    col(UsageRow.price_source).is_distinct_from(source),
                )
            ).all()
            values = []
            for row_id, raw, created in rows:
                cost = book.cost(model, raw or {}, created)
                values.append(
                    {"rid": row_id, "cost": None if cost is None else float(cost.usd), "src": source}
                )
            if values:
                table = UsageRow.__table__
                session.connection().execute(
                    update(table)
                    .where(table.c.id == bindparam("rid"))
                    .values(cost_usd=bindparam("cost"), price_source=bindparam("src")),
                    values,
                )
                changed += len(values)
        session.commit()
    return changed


def _sums() -> list:
    return [
        func.count(UsageRow.id),
        func.coalesce(func.sum(UsageRow.input_tokens), 0),
        func.coalesce(func.sum(UsageRow.output_tokens), 0),
        func.coalesce(func.sum(UsageRow.cache_creation_input_tokens), 0),
        func.coalesce(func.sum(UsageRow.cache_read_input_tokens), 0),
        func.coalesce(func.sum(UsageRow.cost_usd), 0.0),
        func.coalesce(func.sum(case((col(UsageRow.cost_usd).is_(None), 1), else_=0)), 0),
    ]


def _totals(key: object, row: Iterable) -> Totals:
    records, inp, out, written, read, usd, unpriced = row
    return Totals(str(key or ""), records, inp, out, written, read, float(usd), unpriced)


def _since(since: date | None) -> list:
    if since is None:
        return []
    return [col(UsageRow.created_at) >= datetime(since.year, since.month, since.day, tzinfo=UTC)]


def totals(engine: Engine, *, since: date | None = None, by: str | None = None) -> list[Totals]:
    """The records since ``since`` (a UTC day) added up: one ``Totals`` with ``by=None``, else one per
    day (oldest first), model or conversation (costliest first)."""
    with Session(engine) as session:
        if by is None:
            row = session.exec(select(*_sums()).where(*_since(since))).one()
            return [_totals("", row)]
        key = {
            "day": func.date(UsageRow.created_at),
            "model": func.coalesce(UsageRow.model, ""),
            "conversation": UsageRow.conversation_id,
        }[by]
        rows = session.exec(select(key, *_sums()).where(*_since(since)).group_by(key)).all()
    groups = [_totals(r[0], r[1:]) for r in rows]
    if by == "day":
        return sorted(groups, key=lambda t: t.key)
    return sorted(groups, key=lambda t: (-(t.cost_usd or 0.0), t.key))


def conversation_totals(engine: Engine, ids: list[str]) -> dict[str, Totals]:
    """Each of these conversations' usage added up (those without any are left out)."""
    found: dict[str, Totals] = {}
    with Session(engine) as session:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = session.exec(
                select(UsageRow.conversation_id, *_sums())
                .where(col(UsageRow.conversation_id).in_(chunk))
                .group_by(UsageRow.conversation_id)
            ).all()
            found.update({r[0]: _totals(r[0], r[1:]) for r in rows})
    return found


def titles(engine: Engine, ids: list[str]) -> dict[str, str]:
    """The titles of these conversations (for a usage table by conversation)."""
    with Session(engine) as session:
        rows = session.exec(
            select(ConversationRow.id, ConversationRow.title).where(col(ConversationRow.id).in_(ids))
        ).all()
    return dict(rows)
