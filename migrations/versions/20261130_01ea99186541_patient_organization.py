"""Patient organization: every patient belongs to one organization of the group; the mrn is
unique per organization instead of across the deployment.

Existing patients get TR_DEFAULT_ORGANIZATION, read from the service's settings when the
migration runs (the organization every patient has while tenancy is off). The downgrade
works while mrns are unique across organizations, and fails (changing nothing) otherwise.

Revision ID: 01ea99186541
Revises: 518e18434b69
Create Date: 2026-11-30 07:31:08.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from app.config import Settings

revision: str = "01ea99186541"
down_revision: str | None = "518e18434b69"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _default_organization() -> str:
    """The settings the migration runs with (`python -m app migrate`, tests), else the
    environment's (`alembic upgrade` by hand)."""
    given = context.config.attributes.get("settings")
    settings = given if isinstance(given, Settings) else Settings()
    return settings.default_organization


def upgrade() -> None:
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organization", sa.String(length=64), nullable=True))
    patient = sa.table("patient", sa.column("organization", sa.String(length=64)))
    op.execute(patient.update().values(organization=_default_organization()))
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.alter_column("organization", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint("uq_patient_mrn", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_patient_organization_mrn"), ["organization", "mrn"]
        )
        batch_op.create_index(
            "ix_patient_organization_created_at", ["organization", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_index("ix_patient_organization_created_at")
        batch_op.drop_constraint(batch_op.f("uq_patient_organization_mrn"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_patient_mrn"), ["mrn"])
        batch_op.drop_column("organization")
