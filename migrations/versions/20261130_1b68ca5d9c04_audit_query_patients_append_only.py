"""Audit, completed: a list read's query string and the patients it returned, the
organization of the event's patient (what an auditor of one organization may see), and a
trigger that refuses to change or delete an audit row.

Revision ID: 1b68ca5d9c04
Revises: 01ea99186541
Create Date: 2026-11-30 08:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1b68ca5d9c04"
down_revision: str | None = "01ea99186541"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "audit_event is append-only: its rows are never changed or deleted"
POSTGRESQL_UP = (
    f"""
    CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()
    """,
    # Row triggers do not see TRUNCATE: it is refused on its own.
    """
    CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()
    """,
)
POSTGRESQL_DOWN = (
    "DROP TRIGGER audit_event_no_truncate ON audit_event",
    "DROP TRIGGER audit_event_append_only ON audit_event",
    "DROP FUNCTION audit_event_append_only()",
)
# SQLite has no privileges to keep a process from its own file; the same triggers keep the
# service's own code (and a slip in a console) from rewriting the trail.
SQLITE_UP = tuple(
    f"""
    CREATE TRIGGER audit_event_no_{action.lower()} BEFORE {action} ON audit_event
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END
    """
    for action in ("UPDATE", "DELETE")
)
SQLITE_DOWN = ("DROP TRIGGER audit_event_no_update", "DROP TRIGGER audit_event_no_delete")


def _statements(up: bool) -> tuple[str, ...]:
    if op.get_bind().dialect.name == "postgresql":
        return POSTGRESQL_UP if up else POSTGRESQL_DOWN
    return SQLITE_UP if up else SQLITE_DOWN


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("query", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("patient_ids", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("organization", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_audit_event_organization_occurred_at",
            ["organization", "occurred_at"],
            unique=False,
        )
    for statement in _statements(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(up=False):
        op.execute(statement)
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_organization_occurred_at")
        batch_op.drop_column("organization")
        batch_op.drop_column("patient_ids")
        batch_op.drop_column("query")
