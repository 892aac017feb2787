"""User-facing errors: one line that names the problem and the fix; the CLI exits with code 2."""

from __future__ import annotations

__all__ = ["AssayError", "CapabilityError", "DataError", "ModelError", "StoreError", "UsageError"]


class AssayError(Exception):
    """An error caused by the user's input or environment, reported as one line (exit code 2)."""

    exit_code = 2

    def __init__(self, problem: str, fix: str | None = None) -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        text = self.problem.rstrip(".")
        if self.fix:
            text += f"; {self.fix.rstrip('.')}"
        return " ".join(text.split())


class UsageError(AssayError):
    """Bad arguments: unknown suite, malformed option."""


class CapabilityError(UsageError):
    """A model asked for something its backend cannot compute (e.g. log-likelihoods from a
    chat-only endpoint); the fix names what to use instead."""


class DataError(AssayError):
    """A data file that is missing, empty, not UTF-8, or in the wrong format."""


class ModelError(AssayError):
    """A model path that does not exist or cannot be loaded."""


class StoreError(AssayError):
    """A store URL that cannot be opened or written."""
