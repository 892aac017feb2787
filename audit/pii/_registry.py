"""A presidio `RecognizerRegistry` that memoises recognizer look-ups per entity set."""

from __future__ import annotations

from typing import Any

from presidio_analyzer import RecognizerRegistry

__all__ = ["CachedRecognizerRegistry"]


class CachedRecognizerRegistry(RecognizerRegistry):
    """`get_recognizers` filters every recognizer on every `analyze` call; the answer only
    changes when recognizers are added or removed, so it is cached until then, in the order
    the recognizers were registered (presidio's own order changes between processes)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lookup: dict[tuple, list[Any]] = {}

    def add_recognizer(self, recognizer: Any) -> None:
        self._lookup = {}
        super().add_recognizer(recognizer)

    def remove_recognizer(self, *args: Any, **kwargs: Any) -> None:
        self._lookup = {}
        super().remove_recognizer(*args, **kwargs)

    def get_recognizers(self, language: str, entities: list[str] | None = None,
                        all_fields: bool = False,
                        ad_hoc_recognizers: list[Any] | None = None) -> list[Any]:
        if ad_hoc_recognizers:
            return super().get_recognizers(language, entities, all_fields, ad_hoc_recognizers)
        key = (language, tuple(entities or ()), all_fields)
        found = self._lookup.get(key)
        if found is None:
            chosen = set(super().get_recognizers(language, entities, all_fields))
            # presidio returns list(set(...)): an order by object id, which changes from one
            # process to the next. Two recognizers reporting the same span and score then win
            # the de-duplication by chance (an NER name, trimmed later, against a list name that
            # is not), so one text gave two answers across runs. Registration order is stable.
            found = [r for r in self.recognizers if r in chosen]
            self._lookup[key] = found
        return list(found)
