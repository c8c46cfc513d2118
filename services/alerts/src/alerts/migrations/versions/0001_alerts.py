"""The alerts' destinations and deliveries.

Revision ID: alerts_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "alerts_0001"
down_revision = None
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert_destinations",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("signing_secret", sa.String(80), nullable=True),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.CheckConstraint("kind IN ('slack', 'webhook')", name="alert_destinations_kind"),
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "destination_id",
            sa.String(40),
            sa.ForeignKey("alert_destinations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("feedback_id", sa.String(200), nullable=False),
        sa.Column("customer", sa.String(64), nullable=False),
        sa.Column("alert", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", WHEN, nullable=False),
        sa.Column("retry_until", WHEN, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("delivered_at", WHEN, nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'delivered', 'failed')", name="alert_deliveries_state"
        ),
    )
    op.create_index("ix_alert_deliveries_due", "alert_deliveries", ["state", "next_attempt_at"])
    op.create_index("ix_alert_deliveries_customer", "alert_deliveries", ["customer"])
    op.create_index("ix_alert_deliveries_destination_id", "alert_deliveries", ["destination_id"])


def downgrade() -> None:
    op.drop_table("alert_deliveries")
    op.drop_table("alert_destinations")
