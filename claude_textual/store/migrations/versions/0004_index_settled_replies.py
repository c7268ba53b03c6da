"""Search indexes a reply once it has settled, not at every checkpoint while it streams.

A checkpoint rewrites the blocks of a streaming reply once a second; re-indexing a block of
megabytes each time held the app for a large part of every second. The block triggers now skip
blocks of a message that is still ``streaming``; a new trigger indexes a message's blocks when its
status leaves ``streaming`` (the final save, or crash recovery marking it interrupted).

Revision ID: 0004
Revises: 0003
"""

import importlib

from alembic import op

# the searchable text of a block, as 0002 defined it
BLOCK_TEXT = importlib.import_module("claude_textual.store.migrations.versions.0002_search_and_trash").BLOCK_TEXT

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SETTLED = "(SELECT status FROM message WHERE id = new.message_id) IS NOT 'streaming'"


def upgrade() -> None:
    new = BLOCK_TEXT.format(row="new")
    op.execute("DROP TRIGGER block_fts_insert")
    op.execute("DROP TRIGGER block_fts_update")
    op.execute(f"""
        CREATE TRIGGER block_fts_insert AFTER INSERT ON block
        WHEN ({new}) IS NOT NULL AND {SETTLED} BEGIN
            INSERT INTO block_fts(rowid, text) VALUES (new.id, {new});
        END""")
    op.execute(f"""
        CREATE TRIGGER block_fts_update AFTER UPDATE OF data ON block BEGIN
            DELETE FROM block_fts WHERE rowid = old.id;
            INSERT INTO block_fts(rowid, text) SELECT new.id, {new} WHERE ({new}) IS NOT NULL AND {SETTLED};
        END""")
    op.execute(f"""
        CREATE TRIGGER message_fts_settle AFTER UPDATE OF status ON message
        WHEN old.status = 'streaming' AND new.status IS NOT 'streaming' BEGIN
            DELETE FROM block_fts WHERE rowid IN (SELECT id FROM block WHERE message_id = new.id);
            INSERT INTO block_fts(rowid, text) SELECT id, t FROM (
                SELECT id, {BLOCK_TEXT.format(row="block")} AS t FROM block WHERE message_id = new.id
            ) AS b WHERE t IS NOT NULL;
        END""")


def downgrade() -> None:
    new = BLOCK_TEXT.format(row="new")
    for trigger in ("message_fts_settle", "block_fts_insert", "block_fts_update"):
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute(f"""
        CREATE TRIGGER block_fts_insert AFTER INSERT ON block
        WHEN ({new}) IS NOT NULL BEGIN
            INSERT INTO block_fts(rowid, text) VALUES (new.id, {new});
        END""")
    op.execute(f"""
        CREATE TRIGGER block_fts_update AFTER UPDATE OF data ON block BEGIN
            DELETE FROM block_fts WHERE rowid = old.id;
            INSERT INTO block_fts(rowid, text) SELECT new.id, {new} WHERE ({new}) IS NOT NULL;
        END""")
