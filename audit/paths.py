"""Where Assay keeps things on disk: the default store, the model cache, the shared datasets."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "datasets_dir", "default_store_url", "secret_path"]


def cache_dir() -> Path:
    """Model cache (`ASSAY_CACHE`, else `$XDG_CACHE_HOME/assay`, else `~/.cache/assay`)."""
    if env := os.environ.get("ASSAY_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "assay"


def default_store_url() -> str:
    """The store: `ASSAY_STORE`, else SQLite at `./assay.db`."""
    return os.environ.get("ASSAY_STORE") or "sqlite:///assay.db"


def datasets_dir() -> Path:
    """Third-party benchmark files: `ASSAY_DATASETS`, else `../shared/datasets` from the repo root."""
    if env := os.environ.get("ASSAY_DATASETS"):
        return Path(env)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"


def secret_path() -> Path:
    """Per-install HMAC secret, kept outside the database (`ASSAY_SECRET_FILE` overrides)."""
    if env := os.environ.get("ASSAY_SECRET_FILE"):
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "assay" / "secret.key"
