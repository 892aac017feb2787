"""Bias probe suites."""
