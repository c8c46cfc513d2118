"""The customer's 1-5 rating on a feedback row (FeedbackCompleted v3); null: none given.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A batch: SQLite (`make dev`) adds a constraint only by copying the table; PostgreSQL
    # alters it in place.
    with op.batch_alter_table("feedback") as feedback:
        feedback.add_column(sa.Column("rating", sa.SmallInteger(), nullable=True))
        feedback.create_check_constraint("feedback_rating_1_to_5", "rating BETWEEN 1 AND 5")


def downgrade() -> None:
    with op.batch_alter_table("feedback") as feedback:
        feedback.drop_constraint("feedback_rating_1_to_5", type_="check")
        feedback.drop_column("rating")
