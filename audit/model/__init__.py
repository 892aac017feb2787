"""The model wrapper: one protocol (`LanguageModel`), a transformers backend, a test fake."""

from __future__ import annotations

from audit.model.base import GenerationConfig, LanguageModel
from audit.model.fake import FakeModel
from audit.model.hf import HFModel

__all__ = ["FakeModel", "GenerationConfig", "HFModel", "LanguageModel", "load_model"]


def load_model(spec: str = "default", device: str = "auto", dtype: str | None = None) -> HFModel:
    """Open `spec` (default | file.gguf | HF directory) and load its weights now."""
    return HFModel(spec, device=device, dtype=dtype).load()
