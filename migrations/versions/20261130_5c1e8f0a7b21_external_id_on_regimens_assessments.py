"""external_id on regimens and assessments: the EHR's order or encounter id, unique per patient
among the records not entered in error (a partial unique index, on both databases), so a
record entered in error by mistake can be sent again under the same id.

Revision ID: 5c1e8f0a7b21
Revises: c3d5e7f9a1b2
Create Date: 2026-11-30 10:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c1e8f0a7b21"
down_revision: str | None = "c3d5e7f9a1b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("regimen", "assessment")
LIVE = sa.text("entered_in_error = false")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("external_id", sa.String(length=128), nullable=True))
        op.create_index(
            f"uq_{table}_patient_id_external_id_live",
            table,
            ["patient_id", "external_id"],
            unique=True,
            postgresql_where=LIVE,
            sqlite_where=LIVE,
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"uq_{table}_patient_id_external_id_live", table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("external_id")
