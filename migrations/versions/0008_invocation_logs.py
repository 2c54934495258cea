"""invocation logs: one record per model call, its bodies where enabled (STRATA_INVOCATION_LOGS=database)

Metadata of every model call (who, which model and deployment, status, tokens, timings) and, for
calls whose model, key or team is enabled, the canonical request and response. Written in batches
off the request path; rows older than STRATA_INVOCATION_LOG_RETENTION_DAYS are deleted (the ``ts``
index serves that sweep).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-21 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invocation_logs",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("surface", sa.String(length=16), nullable=False),
        sa.Column("operation", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=40), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("served_model", sa.String(length=200), nullable=True),
        sa.Column("deployment", sa.String(length=200), nullable=True),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("stream", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("error_type", sa.String(length=64), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("ttft_ms", sa.Float(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("cached_tokens", sa.Integer(), nullable=False),
        sa.Column("guardrail_action", sa.String(length=128), nullable=True),
        sa.Column("request_metadata", sa.JSON(), nullable=True),
        sa.Column("request_body", sa.JSON(), nullable=True),
        sa.Column("response_body", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invocation_logs")),
    )
    op.create_index("ix_invocation_logs_ts", "invocation_logs", ["ts"], unique=False)
    op.create_index("ix_invocation_logs_key_ts", "invocation_logs", ["key_id", "ts"], unique=False)
    op.create_index("ix_invocation_logs_request_id", "invocation_logs", ["request_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_invocation_logs_request_id", table_name="invocation_logs")
    op.drop_index("ix_invocation_logs_key_ts", table_name="invocation_logs")
    op.drop_index("ix_invocation_logs_ts", table_name="invocation_logs")
    op.drop_table("invocation_logs")
