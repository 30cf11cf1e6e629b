"""One-line summaries of records for people (timeline items): what a clinician would write
in the margin, no identifiers."""

from typing import Any

from app import rules

SCHEDULE = {1: "daily", 7: "weekly", 14: "every 2 weeks"}


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def schedule(interval_days: int | None) -> str:
    if interval_days is None:
        return ""
    return SCHEDULE.get(interval_days, f"every {interval_days} days")


def dose(value: float, unit: str, interval_days: int | None) -> str:
    return f"{_number(value)} {unit} {schedule(interval_days)}".strip()


def regimen(read: Any) -> str:
    text = f"{read.drug} {dose(read.dose.value, read.dose.unit, read.interval_days)} {read.route}"
    if read.discontinuation_reason is not None:
        text += f", stopped: {read.discontinuation_reason.replace('_', ' ')}"
    return text


def infusion(read: Any) -> str:
    text = f"{_number(read.dose_mg)} mg, {read.status}"
    checks = {
        "dose": read.dose_check.status,
        "interval": read.interval_check.status,
    }
    noted = [f"{name} {status.replace('_', ' ')}" for name, status in checks.items()]
    return f"{text} ({', '.join(noted)})"


def lab_result(read: Any) -> str:
    if read.value_text is not None:
        return f"{read.test} {read.value_text}"
    return f"{read.test} {_number(read.value)} {read.unit or ''}".strip()


def assessment(read: Any) -> str:
    parts = [
        ("tender joints", read.tender_joints_28),
        ("swollen joints", read.swollen_joints_28),
        ("power Doppler", read.power_doppler),
        ("patient global", read.patient_global),
        ("evaluator global", read.evaluator_global),
    ]
    shown = [f"{name} {_show(value)}" for name, value in parts if value is not None]
    return ", ".join(shown) or "visit"


def _show(value: Any) -> str:
    return _number(value) if isinstance(value, int | float) else str(value)


def flag_change(change: rules.FlagChange) -> str:
    flag = change.flag.replace("_", " ")
    to = str(change.to_status).replace("_", " ")
    if change.from_status is None:
        return f"{flag}: {to} (first evaluation)"
    return f"{flag}: {str(change.from_status).replace('_', ' ')} -> {to}"
