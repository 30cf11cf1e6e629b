"""Second edition of the rules: dated dose changes, height_cm on assessments, a comparator
on lab results (censored values), and routes long enough for intra_articular.

Revision ID: c3d5e7f9a1b2
Revises: 9e205a341201
Create Date: 2026-11-30 10:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3d5e7f9a1b2"
down_revision: str | None = "9e205a341201"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_ONLY = sa.text("NOT entered_in_error")


def upgrade() -> None:
    op.create_table(
        "dose_change",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("regimen_id", sa.Uuid(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("dose_value", sa.Double(), nullable=False),
        sa.Column("dose_unit", sa.String(length=16), nullable=False),
        sa.Column("interval_days", sa.Integer(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("entered_in_error", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_dose_change_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["regimen_id"], ["regimen.id"], name=op.f("fk_dose_change_regimen_id_regimen")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dose_change")),
    )
    with op.batch_alter_table("dose_change", schema=None) as batch_op:
        batch_op.create_index("ix_dose_change_patient_id", ["patient_id"], unique=False)
        batch_op.create_index("ix_dose_change_regimen_id", ["regimen_id"], unique=False)
        batch_op.create_index(
            "uq_dose_change_regimen_id_effective_date",
            ["regimen_id", "effective_date"],
            unique=True,
            postgresql_where=LIVE_ONLY,
            sqlite_where=LIVE_ONLY,
        )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("height_cm", sa.Double(), nullable=True))
    with op.batch_alter_table("lab_result", schema=None) as batch_op:
        batch_op.add_column(sa.Column("comparator", sa.String(length=2), nullable=True))
    with op.batch_alter_table("regimen", schema=None) as batch_op:
        batch_op.alter_column(
            "route",
            existing_type=sa.String(length=8),
            type_=sa.String(length=16),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("regimen", schema=None) as batch_op:
        batch_op.alter_column(
            "route",
            existing_type=sa.String(length=16),
            type_=sa.String(length=8),
            existing_nullable=False,
        )
    with op.batch_alter_table("lab_result", schema=None) as batch_op:
        batch_op.drop_column("comparator")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_column("height_cm")
    with op.batch_alter_table("dose_change", schema=None) as batch_op:
        batch_op.drop_index("uq_dose_change_regimen_id_effective_date")
        batch_op.drop_index("ix_dose_change_regimen_id")
        batch_op.drop_index("ix_dose_change_patient_id")
    op.drop_table("dose_change")
