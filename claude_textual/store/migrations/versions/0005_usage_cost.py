"""Each usage record keeps what it cost and what priced it.

``cost_usd`` is NULL until the record is priced, and stays NULL when no price is known for its model;
``price_source`` says what priced it (the table and its version, or ``config.toml`` and a digest of the
override). Records stored before this revision are priced from their raw usage when the app or a
command first opens the history (``History.reprice``), and again whenever what prices their model
changes.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("usage") as batch:
        batch.add_column(sa.Column("cost_usd", sa.Float(), nullable=True))
        batch.add_column(sa.Column("price_source", sa.String(), nullable=True))
    op.create_index("ix_usage_created", "usage", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_usage_created", "usage")
    with op.batch_alter_table("usage") as batch:
        batch.drop_column("price_source")
        batch.drop_column("cost_usd")
