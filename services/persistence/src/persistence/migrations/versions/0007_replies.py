"""The replies the messenger was asked to send: their texts (or templates) and what they answer,
for `GET /replies`.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "replies",
        sa.Column("reply_id", sa.String(100), primary_key=True),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("template_sid", sa.String(34), nullable=True),
        sa.Column("in_reply_to", sa.String(64), nullable=True),
        sa.Column("customer_message_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.create_index("ix_replies_recipient", "replies", ["recipient"])


def downgrade() -> None:
    op.drop_index("ix_replies_recipient", table_name="replies")
    op.drop_table("replies")
