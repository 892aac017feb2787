"""Names and places announced by a cue ("my name is", "Dear", "Dr", "moved to", "born in").

spaCy's small English NER misses many names in short chat-like texts ("Call Betti Rose on ...")
and labels unfamiliar towns as people. These recognizers add high-precision, cue-anchored
detections; they only fire on capitalised (or all-caps) words right after the cue.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import regex
from presidio_analyzer import Pattern, PatternRecognizer

__all__ = ["CjkNameCueRecognizer", "LocationCueRecognizer", "PersonCueRecognizer"]

# Words that are capitalised after a cue but are not names.
_NOT_NAME = (r"(?!(?:the|a|an|sir|madam|team|all|everyone|there|customer|support|service|monday|"
             r"tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|"
             r"may|june|july|august|september|october|november|december|today|tomorrow|us|me|"
             r"you|him|her|them|it|i|we|our|my|your|back|now|here|please|thanks|thank|hello|"
             r"hi|new|last|next|this|that|sales|hr|it|admin|office|home|work|mr|mrs|ms|miss|mx|dr|"
             r"prof|she|he|they|who|which|someone|somebody|everybody|nobody|one|care|version|release|"
             r"edition|build)\b)")
# "O'Donoghue", "McAllister" hold a capital inside.
_TOKEN = (r"(?-i:(?:O['’]|Ma?c(?=\p{Lu}))?\p{Lu}[\p{Ll}'’]+(?:-\p{Lu}[\p{Ll}'’]+)?|"
          r"\p{Lu}{2,}(?:-\p{Lu}{2,})?)")
_NAME = _NOT_NAME + _TOKEN + r"(?:[ \t]+" + _NOT_NAME + _TOKEN + r"){0,2}"

_STRONG_CUES = (r"my name is|my name's|i am|i'm|this is|dear|name:?|name is|named|called|"
                r"account holder|cardholder|patient|customer|applicant,?|signed,?|regards,?|"
                r"thanks,?|cheers,?|attn:?|contact:?|emergency contact|it'?s|its|call|"
                r"ask for|speak to|forwarding to|from:|to:|cc:|née|nee|geb\.|geborene"
                ).replace(" ", r"\s+")
# A name followed by a personal attribute: "Anna Weber's date of birth", "Li Wei (li@x.cn)".
_AFTER = (r"(?=(?:'s|’s)\s+(?:date\s+of\s+birth|birthday|dob|address|phone|number|email|"
          r"account|card)|\s+was\s+born|\s+\(\S+@)")
_TITLES = (r"mr|mrs|ms|miss|mx|dr|prof|sir|dame|herr|frau|univ\.-?prof|rev|mister|sr|sra|srta|"
           r"señor|señora|señorita|mme|mlle|madame|monsieur|sig\.ra|signor|signora|dott|"
           r"dott\.ssa|pani|pan|pana|panu|panią|panem|panie|mevrouw|meneer|dhr|mevr|sig|fam|"
           r"(?<![.\w])(?-i:M)(?=\.)")  # French "M. Dupont"; not "p.m. Monday"


class _CueRecognizer(PatternRecognizer):
    """Patterns match `cue + name`; the reported span starts after the cue.

    (A variable-length look-behind would express this directly, but costs a look-behind attempt
    at every character; anchoring on the cue is several times faster.)
    """

    CUES = ""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[Any]:
        cue = _cue_re(self.CUES)
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for r in results:
            m = cue.match(text, r.start, r.end)
            if m:
                r.start = m.end()
        return [r for r in results if r.end > r.start]


@lru_cache(maxsize=8)
def _cue_re(cues: str) -> Any:
    return regex.compile(r"(?:" + cues + r")\s+", regex.IGNORECASE)


# The sender of a chat export line ("[14/11/2026, 16:48] Dele Akinwande:", "14/11/26, 16:48 -
# Rudo:") and the speaker after a subtitle's timing line ("00:00:09,480 --> 00:00:13,000\nDANIEL:"):
# a person, unless the label is a role ("INTERVIEWER:", "NARRATOR:").
_SPEAKER_CUES = (r"(?m:^)(?:\[\d{1,2}[/.]\d{1,2}[/.]\d{2,4},?[ \t]+\d{1,2}:\d{2}(?::\d{2})?"
                 r"(?:[ \t]*[AaPp]\.?[Mm]\.?)?\]|\d{1,2}[/.]\d{1,2}[/.]\d{2,4},?[ \t]+\d{1,2}:\d{2}"
                 r"(?:[ \t]*[AaPp]\.?[Mm]\.?)?[ \t]+-)|-->[^\n]*")
_NOT_SPEAKER = (r"(?!(?:narrator|interviewer|interviewee|host|presenter|reporter|announcer|speaker|"
                r"voice|man|woman|crowd|all|both|music|caption|translator|interpreter|moderator|"
                r"agent|helper|bot|system|admin|support|customer|caller|operator|teacher|doctor|"
                r"nurse|judge|counsel|witness|clerk|officer|student|child|girl|boy|mother|father|"
                r"you|me|messages)\b)")


class PersonCueRecognizer(_CueRecognizer):
    """1-3 capitalised words after a personal cue or a title: `Dear Anna Weber`, `Dr. Li Wei`;
    a chat export's sender or a subtitle's speaker before their colon."""

    CUES = r"(?:" + _TITLES + r")\.?|" + _STRONG_CUES + "|" + _SPEAKER_CUES
    PATTERNS = [
        Pattern("name after title", r"\b(?:" + _TITLES + r")\.?[ \t]+" + _NAME, 0.9),
        Pattern("name after cue", r"\b(?:" + _STRONG_CUES + r")\s+" + _NAME, 0.87),
        Pattern("name before attribute", r"\b" + _NAME + _AFTER, 0.87),
        Pattern("speaker label", r"(?:" + _SPEAKER_CUES + r")\s+" + _NOT_SPEAKER + _NAME
                + r"(?=[ \t]*:[ \t])", 0.87),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(supported_entity="PERSON", patterns=self.PATTERNS, context=[],
                         name="PersonCueRecognizer", **kwargs)
        # Necessary conditions, checked by Assay's pattern loop (audit.pii._patterns) before a
        # pattern is searched: a match of "name before attribute" ends in `_AFTER`, which needs
        # an apostrophe ('s), "born" (was born; same flags, so any case) or "(" plus "@".
        born = regex.compile("born", self.global_regex_flags)
        self.pattern_requires = {
            "name before attribute": lambda text: ("'" in text or "’" in text
                                                   or ("(" in text and "@" in text)
                                                   or born.search(text) is not None),
            "speaker label": lambda text: ":" in text and ("-->" in text or "/" in text
                                                           or "." in text)}

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[Any]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        if not any(_is_speaker(r) for r in results):
            return results
        from audit.pii._ner_filter import ROLE_WORDS, _common_words, _stop_words
        from audit.pii.recognizers._gazetteer import all_names

        names, common, english = all_names(), _common_words(), _stop_words()[0]
        return [r for r in results if not _is_speaker(r) or not any(
            (f in common or f in english or f in ROLE_WORDS) and f not in names
            for f in (w.casefold() for w in text[r.start:r.end].split()))]  # "Class Rep:"


def _is_speaker(result: Any) -> bool:
    exp = getattr(result, "analysis_explanation", None)
    return exp is not None and getattr(exp, "pattern_name", None) == "speaker label"


_PLACE_CUES = (r"moved to|move to|moving to|live in|lives in|living in|lived in|born in|based in|"
               r"located in|relocated to|reside in|resides in|from|grew up in|hometown|"
               r"hometown is|city:|town:|near").replace(" ", r"\s+")


class LocationCueRecognizer(_CueRecognizer):
    """1-3 capitalised words after a place cue: `moved to Bad Kreuznach`, `born in Leeds`."""

    CUES = _PLACE_CUES
    PATTERNS = [Pattern("place after cue", r"\b(?:" + _PLACE_CUES + r")\s+" + _NAME,
                        0.86)]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(supported_entity="LOCATION", patterns=self.PATTERNS, context=[],
                         name="LocationCueRecognizer", **kwargs)


_COLON = r"[ \t]?[:：]?[ \t]?"
CJK_CUES = (r"(?:我叫|我是|名字是|名字叫|姓名" + _COLON + r"|联系人" + _COLON + r"|聯絡人" + _COLON
            + r"|收件人" + _COLON + r"|私の名前は[ \t]?|名前" + _COLON + r"|名前は[ \t]?|氏名" + _COLON
            + r"|わたしは|私は|제[ \t]?이름은[ \t]?|이름" + _COLON + r"|이름[은는][ \t]?|저는[ \t]?"
            # form fields that hold a person: guardian, emergency contact, consignee, applicant
            + r"|保護者" + _COLON + r"|緊急連絡先" + _COLON + r"|收货人" + _COLON
            + r"|家长" + _COLON + r"|申请人" + _COLON + r"|申請者" + _COLON + r"|寄件人" + _COLON
            + r"|担当" + _COLON + r"|보호자" + _COLON + r"|신청인" + _COLON + r")")


# People named by their role before an honorific ("飼い主様" the owner, "お客様" the customer).
_CJK_ROLES = frozenset("""飼い主 お客 客 患者 利用者 会員 保護者 担当者 担当 皆 皆さん 各位 ご家族 家族
ご主人 奥 奥さん 店長 社長 部長 課長 先生 医师 医生 老师 同学 客户 顾客 亲 家长 申込者 申請者 契約者
被保険者 受取人 差出人 管理人 大家 オーナー スタッフ ドライバー""".split())


class CjkNameCueRecognizer(PatternRecognizer):
    """Names in Han, kana or Hangul script announced by a cue or followed by an honorific:
    `我叫王伟`, `姓名：李娜`, `田中太郎さん`, `私の名前は佐藤です`, `김민준 씨`, `제 이름은 이서연입니다`.

    Each pattern matches `cue + name` or `name + honorific`; the cue is cut off in `analyze`.
    """

    PATTERNS = [
        Pattern("CJK name after cue",
                CJK_CUES + r"(?:[\p{Han}]{1,3}[ \u3000][\p{Han}]{1,3}|[\p{Han}]{2,4}|[\p{Katakana}ー]{2,8}|"
                r"[\p{Hangul}]{2,3})", 0.85),
        # "안녕하세요 이서연입니다" (hello, this is ...), "王 磊です" / "山田 太郎と申します" (a
        # family and a given name with the space forms put between them), "—刘洋" signing off.
        Pattern("CJK self-introduction",
                r"(?:(?<=안녕하세요[,.!]?[ \t]?)[\p{Hangul}]{2,4}(?=입니다|이에요|예요)|"
                r"(?<![\p{Han}])[\p{Han}]{1,3}[ \u3000][\p{Han}]{1,3}(?=です|と申します))", 0.85),
        Pattern("Han name signing off",
                r"(?<=[。！!？?\p{So}\n][ \t]?(?:—|－|--)[ \t]?)[\p{Han}]{2,3}(?=[ \t]*(?:\n|$))", 0.7),
        Pattern("CJK name before honorific",
                r"(?:[\p{Han}]{2,4}|[\p{Han}]{1,3}[ \t]?[\p{Han}\p{Hiragana}]{1,3}|[\p{Katakana}ー]{2,8})"
                r"(?=[ \u3000]?(?:さん|様|さま|氏(?!名)|先生|女士|小姐|老师|老師|くん|君|ちゃん))", 0.86),
        Pattern("Hangul name before honorific", r"(?<![\p{Hangul}])[\p{Hangul}]{2,4}(?=[ \t]?(?:씨|님|선생님|고객님))",
                0.75),
    ]
    _CUE = regex.compile(CJK_CUES)
    # Hangul copula/particle endings glued to a name: "이서연입니다", "김민준이에요".
    _HANGUL_TAIL = regex.compile(r"(?:입니다|이에요|예요|이고|이며|이|가|은|는|을|를|의)$")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(supported_entity="PERSON", patterns=self.PATTERNS, context=[],
                         name="CjkNameCueRecognizer", **kwargs)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[Any]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for r in results:
            m = self._CUE.match(text, r.start, r.end)
            if m:
                r.start = m.end()
            value = text[r.start:r.end]
            tail = self._HANGUL_TAIL.search(value)
            if tail and len(value) - len(tail.group()) >= 2:
                r.end -= len(tail.group())
        return [r for r in results if r.end - r.start >= 2
                and text[r.start:r.end].replace(" ", "") not in _CJK_ROLES]
