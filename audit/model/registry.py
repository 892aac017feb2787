"""The backend registry and the one factory every command uses: `open_model(spec, **options)`.

Built-ins are listed here; a third-party package adds a backend with
    [project.entry-points."assay.models"]
    my_backend = "my_package.model:MyModel"
where `MyModel` has `accepts(spec) -> bool` and `open(spec, **options) -> LanguageModel`
classmethods (see `audit.model.base`).
"""

from __future__ import annotations

import inspect
import re
from importlib.metadata import entry_points
from typing import Any

from audit.errors import UsageError
from audit.model.base import LanguageModel

__all__ = ["BUILTIN_BACKENDS", "ENTRY_POINT_GROUP", "available_backends", "backend_for",
           "backend_options", "check_model", "get_backend", "has_scheme", "is_url", "open_model"]

ENTRY_POINT_GROUP = "assay.models"

# name -> "module:Class", in the order `open_model` asks them whether they accept a spec: the
# endpoint first, so an http(s) URL never reaches the local-weights backend.
BUILTIN_BACKENDS: dict[str, str] = {
    "openai": "audit.model.endpoint:EndpointModel",
    "hf": "audit.model.hf:HFModel",
}


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")


def has_scheme(spec: str) -> bool:
    """True for `scheme://...` (a URL or a plug-in's own spec), never for a local path."""
    return bool(_SCHEME.match(spec))


def is_url(spec: str) -> bool:
    """True for an http(s):// model spec (a served model, not local weights)."""
    return spec.lower().startswith(("http://", "https://"))


def available_backends() -> dict[str, str]:
    """Backend names -> import paths: built-ins first (they win over plug-ins of the same name),
    then plug-ins in name order."""
    found = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    out = dict(BUILTIN_BACKENDS)
    out.update({k: v for k, v in sorted(found.items()) if k not in BUILTIN_BACKENDS})
    return out


def get_backend(name: str) -> type:
    """The backend class registered as `name`; UsageError listing the valid names otherwise."""
    backends = available_backends()
    if name not in backends:
        raise UsageError(f"unknown model backend {name!r}", f"choose from: {', '.join(backends)}")
    from audit.registry import import_entry

    return import_entry(backends[name], f"model backend {name!r}")


def backend_for(spec: str, backend: str | None = None) -> tuple[str, type]:
    """(name, class) of the backend that opens `spec`: `backend` if given, else the first
    registered one whose `accepts(spec)` is true."""
    if backend is not None:
        cls = get_backend(backend)
        if not cls.accepts(spec):
            raise UsageError(f"model backend {backend!r} does not accept --model {spec!r}",
                             _spec_hint(spec))
        return backend, cls
    broken: list[str] = []
    for name in available_backends():
        try:
            cls = get_backend(name)
        except UsageError as exc:  # a broken plug-in must not stop the others; named if needed
            broken.append(exc.one_line())
            continue
        if cls.accepts(spec):
            return name, cls
    why = f" ({'; '.join(broken)})" if broken else ""
    raise UsageError(f"no model backend accepts --model {spec!r}{why}", _spec_hint(spec))


def open_model(spec: str = "default", *, backend: str | None = None,
               **options: Any) -> LanguageModel:
    """Open `spec` with the backend that accepts it (or `backend`), ready to use.

    Options are the backend's (hf: device, dtype, quantize, prune, model_options; openai:
    model_options from `--model-option KEY=VALUE`); one it does not take is a UsageError, so
    `--quantize int8` against an endpoint fails in one line instead of being ignored.
    """
    cls = check_model(spec, backend=backend, **options)
    return cls.open(spec, **options)


def check_model(spec: str = "default", *, backend: str | None = None, **options: Any) -> type:
    """What `open_model` checks before it loads or connects: the backend, its option names, and
    the backend's own `check(spec, **options)` when it has one (the local backend: the path and
    the --quantize/--prune values). Commands call it before slow work; returns the class."""
    name, cls = backend_for(spec, backend)
    allowed = backend_options(cls)
    if allowed is not None:
        unknown = sorted(set(options) - allowed)
        if unknown:
            raise UsageError(
                f"the {name} model backend takes no option {', '.join(map(repr, unknown))} "
                f"(--model {spec})",
                f"its options are: {', '.join(sorted(allowed)) or 'none'}")
    check = getattr(cls, "check", None)
    if callable(check):
        check(spec, **options)
    return cls


def backend_options(cls: type) -> frozenset[str] | None:
    """The option names `cls.open` takes (its `options` class attribute when it declares one,
    else the named parameters of `open`); None when `open` takes any keyword."""
    declared = getattr(cls, "options", None)
    if isinstance(declared, (set, frozenset, tuple, list)):
        return frozenset(declared)
    params = list(inspect.signature(cls.open).parameters.values())[1:]  # past `spec`
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    return frozenset(p.name for p in params)


def _spec_hint(spec: str) -> str:
    if is_url(spec):
        return "an http(s) URL needs the openai backend (an OpenAI-compatible /v1 endpoint)"
    if has_scheme(spec):
        return (f"no installed backend handles {spec.split('://')[0]}:// specs; install the "
                "plug-in that provides it (entry point group assay.models)")
    return "use default, a .gguf file, a Hugging Face model directory, or an http(s)://HOST/v1 URL"
