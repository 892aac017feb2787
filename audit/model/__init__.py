"""The model port: one protocol (`LanguageModel`), backends opened by `open_model`, a test fake."""

from __future__ import annotations

from typing import Any

from audit.model.base import Capability, GenerationConfig, LanguageModel, Loglikelihood
from audit.model.fake import FakeModel
from audit.model.hf import HFModel
from audit.model.registry import available_backends, open_model

__all__ = ["Capability", "FakeModel", "GenerationConfig", "HFModel", "LanguageModel",
           "Loglikelihood", "available_backends", "load_model", "open_model"]


def load_model(spec: str = "default", device: str = "auto", dtype: str | None = None,
               **options: Any) -> LanguageModel:
    """Open `spec` (default | file.gguf | HF directory | http(s) endpoint); kept for callers of
    the old name, the same as `open_model` with the local backend's knobs spelt out."""
    if device != "auto":
        options["device"] = device
    if dtype is not None:
        options["dtype"] = dtype
    return open_model(spec, **options)
