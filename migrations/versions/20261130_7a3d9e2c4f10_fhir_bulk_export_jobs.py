"""FHIR Bulk Data export jobs, and their NDJSON files in chunks (stored in the database, so
any replica serves them).

Revision ID: 7a3d9e2c4f10
Revises: 5c1e8f0a7b21
Create Date: 2026-11-30 10:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7a3d9e2c4f10"
down_revision: str | None = "5c1e8f0a7b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "export_job",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("organizations", sa.JSON(), nullable=True),
        sa.Column("request", sa.String(length=2000), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("types", sa.JSON(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transaction_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_job")),
    )
    op.create_index(
        "ix_export_job_status_created_at", "export_job", ["status", "created_at"], unique=False
    )
    op.create_table(
        "export_chunk",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("resource_type", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["export_job.id"],
            name=op.f("fk_export_chunk_job_id_export_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "resource_type", "seq", name=op.f("pk_export_chunk")),
    )


def downgrade() -> None:
    op.drop_table("export_chunk")
    op.drop_index("ix_export_job_status_created_at", table_name="export_job")
    op.drop_table("export_job")
