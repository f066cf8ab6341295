"""Benchmarks; each writes its figures to docs/benchmarks/."""
