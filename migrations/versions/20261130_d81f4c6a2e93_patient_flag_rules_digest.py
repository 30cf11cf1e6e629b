"""The rules version and settings a stored flag was evaluated under, hashed
(`RuleSettings.digest`): a write that changed only recent lab results or visits resumes the
stored remission history from the changed date instead of sweeping every record again, and
only a history stored under the same digest is resumed. Rows stored before this migration
have none (null): their patient's next write evaluates every record.

Revision ID: d81f4c6a2e93
Revises: c4a7e2b91d05
Create Date: 2026-11-30 23:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d81f4c6a2e93"
down_revision: str | None = "c4a7e2b91d05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patient_flag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rules_digest", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("patient_flag", schema=None) as batch_op:
        batch_op.drop_column("rules_digest")
