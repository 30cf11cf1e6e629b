"""Helpers the tests share (and the proofs and benchmarks may use: tests never import them)."""
