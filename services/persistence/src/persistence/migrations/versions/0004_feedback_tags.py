"""Tags from the business's taxonomy on each feedback, and the taxonomy's change log.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_tags",
        sa.Column("session_id", sa.String(64), primary_key=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("sentiment", sa.String(8), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("tagger", sa.String(100), nullable=False),
        sa.Column("taxonomy_version", sa.Integer(), nullable=False),
        sa.Column(
            "tagged_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.create_index("ix_feedback_tags_sentiment", "feedback_tags", ["sentiment"])
    op.create_table(
        "taxonomy_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(32), nullable=False),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )


def downgrade() -> None:
    op.drop_table("taxonomy_changes")
    op.drop_index("ix_feedback_tags_sentiment", table_name="feedback_tags")
    op.drop_table("feedback_tags")
