"""Operational scripts: fault injection and crash-safety proofs (`python -m scripts.NAME`)."""
