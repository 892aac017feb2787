"""`assay pii scan` and `assay pii redact`: the PII engine on files or stdin."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from audit.cli import app
from audit.cli._common import print_json
from audit.errors import DataError, UsageError

__all__ = ["pii_app"]

pii_app = typer.Typer(name="pii", no_args_is_help=True,
                      help="Detect and redact PII offline (presidio + Assay recognizers).")
app.add_typer(pii_app, name="pii")

_BATCH = 256
InputArg = typer.Argument("-", help="Input file, or - for stdin (the default).")
JsonlOpt = typer.Option(False, "--jsonl", help="Input is JSON Lines; analyse each record's --field.")
FieldOpt = typer.Option("text", "--field", help="With --jsonl: the field holding the text.")
MaxCharsOpt = typer.Option(2_000_000, "--max-chars", min=1,
                           help="Longest record accepted (longer ones are an error).")


def _read(source: str) -> str:
    if source == "-":
        raw = sys.stdin.buffer.read()
        name = "stdin"
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise DataError(f"input file not found: {path}", "check the path, or use - for stdin")
        raw = path.read_bytes()
        name = str(path)
    if b"\x00" in raw:
        raise DataError(f"{name} looks binary (contains NUL bytes)",
                        "pass UTF-8 text or JSON Lines")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{name} is not valid UTF-8 (byte {exc.start})",
                        "re-encode it as UTF-8, e.g. `iconv -t utf-8`") from None


def _records(text: str, jsonl: bool, field: str) -> tuple[list[str], list[dict | None]]:
    """Texts to analyse, and for JSONL the parsed records (to write back redacted)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
    if not jsonl:
        return lines, [None] * len(lines)
    texts, recs = [], []
    for i, line in enumerate(lines, 1):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"line {i} is not valid JSON ({exc.msg})",
                            "pass one JSON object per line, or drop --jsonl") from None
        if not isinstance(rec, dict) or not isinstance(rec.get(field), str):
            raise DataError(f"line {i} has no string field {field!r}",
                            "name the text field with --field")
        texts.append(rec[field])
        recs.append(rec)
    return texts, recs


def _engine(max_chars: int):
    from audit.pii import PIIConfig, get_engine

    return get_engine(PIIConfig(max_chars=max_chars))


def _check_lengths(texts: list[str], max_chars: int) -> None:
    for i, t in enumerate(texts, 1):
        if len(t) > max_chars:
            raise DataError(f"record {i} has {len(t):,} characters, over the {max_chars:,} limit",
                            "split it into lines/records or raise --max-chars")


@pii_app.command()
def scan(source: str = InputArg, jsonl: bool = JsonlOpt, field: str = FieldOpt,
         max_chars: int = MaxCharsOpt) -> None:
    """Print one JSON line per input record: {"spans": [{start, end, entity_type, score}]}.

    Plain text input is one record per line; offsets are into that record's text (characters).
    Example: assay pii scan chat.log  |  assay pii scan --jsonl --field prompt logs.jsonl
    """
    texts, _ = _records(_read(source), jsonl, field)
    _check_lengths(texts, max_chars)
    engine = _engine(max_chars)
    for lo in range(0, len(texts), _BATCH):
        for spans in engine.analyze(texts[lo:lo + _BATCH]):
            print_json({"spans": [{"start": s.start, "end": s.end, "entity_type": s.entity_type,
                                   "score": s.score} for s in spans]})


@pii_app.command()
def redact(source: str = InputArg,
           operator: str = typer.Option("replace", "--operator",
                                        help="replace (<TYPE>), mask (***), or hash (keyed HMAC)."),
           jsonl: bool = JsonlOpt, field: str = FieldOpt, max_chars: int = MaxCharsOpt) -> None:
    """Print the input with PII redacted (JSONL records keep their other fields).

    Example: assay pii redact --operator hash chat.log > chat.redacted.log
    """
    if operator not in ("replace", "mask", "hash"):
        raise UsageError(f"--operator {operator!r} is not valid", "use replace, mask or hash")
    texts, recs = _records(_read(source), jsonl, field)
    _check_lengths(texts, max_chars)
    engine = _engine(max_chars)
    for lo in range(0, len(texts), _BATCH):
        batch = texts[lo:lo + _BATCH]
        for rec, red in zip(recs[lo:lo + _BATCH], engine.redact(batch, operator), strict=True):
            if rec is None:
                sys.stdout.write(red + "\n")
            else:
                # not print_json: its sorted keys would reorder every record of the user's log
                sys.stdout.write(json.dumps({**rec, field: red}, ensure_ascii=False,
                                            separators=(",", ":")) + "\n")
    sys.stdout.flush()
