"""Fault and crash proofs run by CI: `python -m proofs.NAME` (crash_safety, db_faults)."""
