"""Status documents: `GET .../status` keeps the JSON it answered as of a day
(`status_document`), and the next caller for the same day is answered with it until the
patient's records change. `patient_flag.generation` counts the stores of a flag row; every
write of a patient's records stores its remission row, so that row's generation is what a
kept document is checked against. Rows stored before this migration start at 1; no document
exists yet, so nothing is served from one until it is evaluated again.

Revision ID: 5e0c2b7a9d14
Revises: d81f4c6a2e93
Create Date: 2026-12-01 10:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e0c2b7a9d14"
down_revision: str | None = "d81f4c6a2e93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patient_flag", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("generation", sa.Integer(), server_default="1", nullable=False)
        )
    op.create_table(
        "status_document",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("rules_digest", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_status_document_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_status_document")),
    )


def downgrade() -> None:
    op.drop_table("status_document")
    with op.batch_alter_table("patient_flag", schema=None) as batch_op:
        batch_op.drop_column("generation")
