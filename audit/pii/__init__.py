"""PII detection and redaction: an offline presidio engine with Assay's recognizers, and a vault."""

from audit.pii.engine import PIIConfig, PIIEngine, get_engine
from audit.pii.secret import keyed_hash
from audit.pii.vault import PseudonymVault, SessionVaults

__all__ = ["PIIConfig", "PIIEngine", "PseudonymVault", "SessionVaults", "get_engine", "keyed_hash"]
