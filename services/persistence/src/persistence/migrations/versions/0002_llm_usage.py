"""What the LLM cost for each feedback: model, tokens and the estimated price.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as table:
        table.add_column(sa.Column("llm_model", sa.String(100)))
        table.add_column(
            sa.Column("llm_input_tokens", sa.Integer(), server_default="0", nullable=False)
        )
        table.add_column(
            sa.Column("llm_output_tokens", sa.Integer(), server_default="0", nullable=False)
        )
        table.add_column(
            sa.Column("llm_cost_usd", sa.Numeric(14, 8), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("feedback") as table:
        for column in ("llm_cost_usd", "llm_output_tokens", "llm_input_tokens", "llm_model"):
            table.drop_column(column)
