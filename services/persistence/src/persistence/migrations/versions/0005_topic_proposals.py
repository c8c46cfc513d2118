"""Topics the LLM tagger proposes, and the feedback that led to each.

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
    op.create_table(
        "topic_proposals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("label_key", sa.String(80), nullable=False, unique=True),
        sa.Column("label", sa.String(80), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.create_table(
        "topic_proposal_mentions",
        sa.Column("proposal_id", sa.Integer(), primary_key=True),
        sa.Column("session_id", sa.String(64), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("topic_proposal_mentions")
    op.drop_table("topic_proposals")
