"""The language the tagger read each feedback in, and whether it could (`GET /insights/topics`
counts what it could not read as "not tagged: language").

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("feedback_tags", sa.Column("language", sa.String(8), nullable=True))
    op.add_column(
        "feedback_tags",
        sa.Column("language_understood", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    op.drop_column("feedback_tags", "language_understood")
    op.drop_column("feedback_tags", "language")
