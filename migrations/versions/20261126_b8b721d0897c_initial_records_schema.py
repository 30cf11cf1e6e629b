"""Initial records schema: patients, regimens, infusions, lab results, assessments,
version history and audit events.

Revision ID: b8b721d0897c
Revises:
Create Date: 2026-11-26 15:16:11.024812
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b8b721d0897c"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("resource_type", sa.String(length=32), nullable=True),
        sa.Column("resource_id", sa.Uuid(), nullable=True),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_event_actor_occurred_at", ["actor", "occurred_at"], unique=False
        )
        batch_op.create_index("ix_audit_event_occurred_at", ["occurred_at"], unique=False)
        batch_op.create_index(
            "ix_audit_event_patient_id_occurred_at", ["patient_id", "occurred_at"], unique=False
        )

    op.create_table(
        "patient",
        sa.Column("mrn", sa.String(length=64), nullable=False),
        sa.Column("sex", sa.String(length=16), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("diagnoses", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("entered_in_error", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient")),
        sa.UniqueConstraint("mrn", name=op.f("uq_patient_mrn")),
    )
    op.create_table(
        "record_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("resource_type", sa.String(length=32), nullable=False),
        sa.Column("resource_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_version")),
        sa.UniqueConstraint(
            "resource_type",
            "resource_id",
            "version",
            name=op.f("uq_record_version_resource_type_resource_id_version"),
        ),
    )
    with op.batch_alter_table("record_version", schema=None) as batch_op:
        batch_op.create_index("ix_record_version_patient_id", ["patient_id"], unique=False)

    op.create_table(
        "assessment",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tender_joints_28", sa.Integer(), nullable=True),
        sa.Column("swollen_joints_28", sa.Integer(), nullable=True),
        sa.Column("power_doppler", sa.String(length=16), nullable=True),
        sa.Column("patient_global", sa.Double(), nullable=True),
        sa.Column("evaluator_global", sa.Double(), nullable=True),
        sa.Column("weight_kg", sa.Double(), nullable=True),
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
            ["patient_id"], ["patient.id"], name=op.f("fk_assessment_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assessment_patient_id_assessed_at", ["patient_id", "assessed_at"], unique=False
        )

    op.create_table(
        "lab_result",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("test", sa.String(length=32), nullable=False),
        sa.Column("loinc", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=True),
        sa.Column("value_text", sa.String(length=16), nullable=True),
        sa.Column("reference_low", sa.Double(), nullable=True),
        sa.Column("reference_high", sa.Double(), nullable=True),
        sa.Column("canonical_value", sa.Double(), nullable=True),
        sa.Column("canonical_unit", sa.String(length=16), nullable=True),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=True),
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
            ["patient_id"], ["patient.id"], name=op.f("fk_lab_result_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab_result")),
        sa.UniqueConstraint(
            "patient_id", "external_id", name=op.f("uq_lab_result_patient_id_external_id")
        ),
    )
    with op.batch_alter_table("lab_result", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lab_result_patient_id_collected_at", ["patient_id", "collected_at"], unique=False
        )

    op.create_table(
        "regimen",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("drug", sa.String(length=64), nullable=False),
        sa.Column("dose_value", sa.Double(), nullable=False),
        sa.Column("dose_unit", sa.String(length=16), nullable=False),
        sa.Column("route", sa.String(length=8), nullable=False),
        sa.Column("interval_days", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("discontinuation_reason", sa.String(length=32), nullable=True),
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
            ["patient_id"], ["patient.id"], name=op.f("fk_regimen_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regimen")),
    )
    with op.batch_alter_table("regimen", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_regimen_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "infusion",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("regimen_id", sa.Uuid(), nullable=False),
        sa.Column("administered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dose_mg", sa.Double(), nullable=False),
        sa.Column("weight_kg", sa.Double(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=True),
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
            ["patient_id"], ["patient.id"], name=op.f("fk_infusion_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["regimen_id"], ["regimen.id"], name=op.f("fk_infusion_regimen_id_regimen")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_infusion")),
        sa.UniqueConstraint(
            "patient_id", "external_id", name=op.f("uq_infusion_patient_id_external_id")
        ),
    )
    with op.batch_alter_table("infusion", schema=None) as batch_op:
        batch_op.create_index(
            "ix_infusion_patient_id_administered_at",
            ["patient_id", "administered_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_infusion_regimen_id"), ["regimen_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("infusion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_infusion_regimen_id"))
        batch_op.drop_index("ix_infusion_patient_id_administered_at")

    op.drop_table("infusion")
    with op.batch_alter_table("regimen", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regimen_patient_id"))

    op.drop_table("regimen")
    with op.batch_alter_table("lab_result", schema=None) as batch_op:
        batch_op.drop_index("ix_lab_result_patient_id_collected_at")

    op.drop_table("lab_result")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index("ix_assessment_patient_id_assessed_at")

    op.drop_table("assessment")
    with op.batch_alter_table("record_version", schema=None) as batch_op:
        batch_op.drop_index("ix_record_version_patient_id")

    op.drop_table("record_version")
    op.drop_table("patient")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_patient_id_occurred_at")
        batch_op.drop_index("ix_audit_event_occurred_at")
        batch_op.drop_index("ix_audit_event_actor_occurred_at")

    op.drop_table("audit_event")
