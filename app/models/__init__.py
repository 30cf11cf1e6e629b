"""All tables, imported together so the metadata is complete and no import cycles form."""

from app.models.assessment import Assessment
from app.models.audit_event import AuditEvent
from app.models.base import Base
from app.models.delivery import Delivery
from app.models.delivery_attempt import DeliveryAttempt
from app.models.dose_change import DoseChange
from app.models.export_job import ExportChunk, ExportJob
from app.models.idempotency_key import IdempotencyKey
from app.models.infusion import Infusion
from app.models.lab_result import LabResult
from app.models.outbox_event import OutboxEvent
from app.models.patient import Patient
from app.models.patient_flag import PatientFlag
from app.models.record_version import RecordVersion
from app.models.regimen import Regimen
from app.models.status_document import StatusDocument
from app.models.subscription import Subscription

__all__ = [
    "Assessment",
    "AuditEvent",
    "Base",
    "Delivery",
    "DeliveryAttempt",
    "DoseChange",
    "ExportChunk",
    "ExportJob",
    "IdempotencyKey",
    "Infusion",
    "LabResult",
    "OutboxEvent",
    "Patient",
    "PatientFlag",
    "RecordVersion",
    "Regimen",
    "StatusDocument",
    "Subscription",
]
