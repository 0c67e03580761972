"""Benchmarks of the reference platform on PostgreSQL (run: python -m bench --help)."""
