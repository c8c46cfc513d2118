"""Initial schema: users, feedback, stored media, jobs, job configs, topics.

Revision ID: 0001
Revises:
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TextList = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")


def _timestamps() -> list[sa.Column[datetime]]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("hashed_password", sa.String(200)),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        *_timestamps(),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_id", sa.String(64), nullable=False, unique=True),
        sa.Column("sender_id", sa.String(64), nullable=False),
        sa.Column("product_name", sa.String(300), nullable=False),
        sa.Column("feedback_text", sa.Text(), nullable=False),
        sa.Column("media_urls", TextList, nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        *_timestamps(),
    )
    op.create_index("ix_feedback_sender_id", "feedback", ["sender_id"])
    op.create_index("ix_feedback_product_name", "feedback", ["product_name"])
    op.create_table(
        "stored_media",
        sa.Column("media_sid", sa.String(64), primary_key=True),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("message_sid", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("s3_uri", sa.Text()),
        sa.Column("content_type", sa.String(100)),
        sa.Column("size_bytes", sa.BigInteger()),
        sa.Column("sha256", sa.String(64)),
        sa.Column("reason", sa.Text()),
    )
    op.create_index("ix_stored_media_session_id", "stored_media", ["session_id"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job_name", sa.String(200), nullable=False),
        sa.Column("last_processed_id", sa.Integer()),
        sa.Column(
            "status",
            sa.Enum(
                "processing", "completed", "failed", name="job_status", native_enum=False, length=16
            ),
            nullable=False,
        ),
        *_timestamps(),
    )
    op.create_table(
        "job_configs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("config", sa.JSON(), nullable=False),
    )
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("label", sa.String(200), nullable=False, unique=True),
        sa.Column("description", sa.Text()),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        *_timestamps(),
    )


def downgrade() -> None:
    for table in ("topics", "job_configs", "jobs", "stored_media", "feedback", "users"):
        op.drop_table(table)
