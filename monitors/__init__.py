"""Production-side monitors: log tailing, alert rules, redaction middleware and proxy."""
