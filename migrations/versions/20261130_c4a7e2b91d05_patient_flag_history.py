"""Stored remission history: the stored remission flag keeps every change of its status up to
its `as_of` (`[[effective_date, status], ...]`), so a report over thousands of patients (the
case series) reads one short list per patient instead of replaying each patient's records.
Rows stored before this migration have none (null) and are evaluated from the records until
their next write or daily re-evaluation.

Revision ID: c4a7e2b91d05
Revises: 7a3d9e2c4f10
Create Date: 2026-11-30 10:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4a7e2b91d05"
down_revision: str | None = "7a3d9e2c4f10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patient_flag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("history", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("patient_flag", schema=None) as batch_op:
        batch_op.drop_column("history")
