"""Patient flags: each patient's current refractory / steroid / remission status, indexed
by (flag, status) so cohort lists are an index lookup.

Revision ID: 414dfa02dded
Revises: b8b721d0897c
Create Date: 2026-11-26 15:24:09.574275
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "414dfa02dded"
down_revision: str | None = "b8b721d0897c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "patient_flag",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("flag", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("rules_version", sa.String(length=32), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_patient_flag_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("patient_id", "flag", name=op.f("pk_patient_flag")),
    )
    with op.batch_alter_table("patient_flag", schema=None) as batch_op:
        batch_op.create_index(
            "ix_patient_flag_flag_status", ["flag", "status", "patient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("patient_flag", schema=None) as batch_op:
        batch_op.drop_index("ix_patient_flag_flag_status")

    op.drop_table("patient_flag")
