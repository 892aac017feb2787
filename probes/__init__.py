"""Probe suites: bias/ (standard benchmarks and project-authored probes), pii/ (leakage)."""
