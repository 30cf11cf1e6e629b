"""Helpers the tests share. The proofs and the benchmarks may import them too; the tests
never import proofs or bench."""
