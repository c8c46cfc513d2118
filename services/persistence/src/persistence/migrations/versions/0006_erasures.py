"""Erasures of customers (the audit record), and the customer of each stored media row.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasures",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("subject_hash", sa.String(64), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("steps", sa.JSON(), nullable=False),
    )
    # At most one running erasure per customer, whatever two requests race.
    op.create_index(
        "ix_erasures_one_running",
        "erasures",
        ["subject_hash"],
        unique=True,
        postgresql_where=sa.text("status = 'running'"),
        sqlite_where=sa.text("status = 'running'"),
    )
    # Media stored before their feedback row exists must be found by customer, too.
    op.add_column("stored_media", sa.Column("sender_id", sa.String(64), nullable=True))
    op.create_index("ix_stored_media_sender_id", "stored_media", ["sender_id"])


def downgrade() -> None:
    op.drop_index("ix_stored_media_sender_id", "stored_media")
    op.drop_column("stored_media", "sender_id")
    op.drop_index("ix_erasures_one_running", "erasures")
    op.drop_table("erasures")
