"""PII leakage probes: canary exposure, ProPILE-style extraction, PII emission."""
