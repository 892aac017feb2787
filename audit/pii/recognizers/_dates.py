"""Dates of birth: a date in any common format, kept only with a birth context word nearby."""

from __future__ import annotations

from typing import Any

from presidio_analyzer import Pattern, PatternRecognizer

__all__ = ["DateOfBirthRecognizer"]

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"


class DateOfBirthRecognizer(PatternRecognizer):
    """Numeric (`03/12/1985`, `1985-12-03`) and written (`3 March 1985`, `March 3rd, 1985`) dates.

    The base score (0.2) is below the default threshold on purpose: a date alone is not personal
    data; "born", "DOB", "birthday" ... within the context window lift it to 0.55.
    """

    PATTERNS = [
        Pattern("date (numeric d/m/y or m/d/y)",
                r"(?<![\d/.\-])(?:0?[1-9]|[12]\d|3[01])([/.\-])(?:0?[1-9]|[12]\d|3[01])\1"
                r"(?:19|20)?\d{2}(?![\d/\-]|\.\d)", 0.2),
        Pattern("date (ISO)", r"(?<![\d\-])" + _YEAR + r"-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
                r"(?![\d\-])", 0.2),
        Pattern("date (day month year)",
                r"\b" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR + r"\b", 0.2),
        Pattern("date (month day year)",
                r"\b" + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + r"\b", 0.2),
    ]
    CONTEXT = ["born", "birth", "birthday", "dob", "d.o.b", "birthdate", "date of birth", "age",
               "bday"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(supported_entity="DATE_OF_BIRTH", patterns=self.PATTERNS,
                         context=self.CONTEXT, name="DateOfBirthRecognizer", **kwargs)
