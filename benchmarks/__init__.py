"""Vigil's benchmarks: `python -m benchmarks` from the repository root (not a test; never in CI)."""
