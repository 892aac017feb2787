"""Assay: local responsible-AI audits and monitors for language models."""

__all__ = ["__version__"]
__version__ = "0.1.0"
