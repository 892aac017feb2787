"""A PII-free corpus for false-positive rates: application logs, source code, technical prose.

- **logs** (composed here, seeded): timestamps, UUIDs, hex digests, git SHAs, version strings,
  durations, byte counts, HTTP paths and status codes, ports, pod and job names, cron lines;
  a few `localhost`/`127.0.0.1`/`0.0.0.0` listeners (addresses of no one; a detector that flags
  them counts a false positive, as it would in production);
- **code**: lines of a fixed list of Python standard-library modules, read at bench time from the
  running interpreter's `stdlib` (so the texts are the installed version's), in blocks of six
  non-blank lines; lines that could name or reach a person (e-mail addresses, URLs, copyright,
  author or "by Firstname Lastname" lines, licence headers) are dropped;
- **prose**: hand-written technical paragraphs in `bench/data/pii_free_prose.txt` (English, with
  a few German, French and Spanish ones), no names of people, places or organisations' staff.

Every text is PII-free by construction, so every detection on it is a false positive.
"""

from __future__ import annotations

import random
import re
import sysconfig
import uuid
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CODE_FILES", "FRESH_CODE_FILES", "LATE_PROSE", "PROSE", "CleanText", "clean_corpus",
           "code_texts", "fresh_corpus", "log_texts"]

PROSE = Path(__file__).parent / "data" / "pii_free_prose.txt"
# The fresh corpus (added with the final measurement, like the late held-out set): another log
# seed, other standard-library modules, prose written later. Absent file: no fresh corpus.
LATE_PROSE = Path(__file__).parent / "data" / "pii_free_prose_late.txt"
FRESH_CODE_FILES = ("copy.py", "weakref.py", "selectors.py", "operator.py", "pathlib.py",
                    "abc.py", "shutil.py", "tempfile.py", "enum.py")
CODE_FILES = ("textwrap.py", "json/decoder.py", "json/encoder.py", "csv.py", "shlex.py",
              "string.py", "fnmatch.py", "glob.py", "bisect.py", "queue.py", "sched.py",
              "graphlib.py", "contextlib.py", "dataclasses.py")
_DROP = re.compile(r"(?i:copyright|author|written by|contribut|spdx|licen[cs]e|https?://|www\.)"
                   r"|[\w.+-]+@[\w-]+\.[\w.]+|\bby [A-Z][a-z]+ [A-Z]")


@dataclass(frozen=True)
class CleanText:
    text: str
    source: str  # "log", "code" or "prose"


def _hex(r: random.Random, n: int) -> str:
    return f"{r.getrandbits(4 * n):0{n}x}"


def log_texts(n: int, seed: int = 41) -> list[str]:
    """`n` PII-free log lines in several common formats, deterministic for a seed."""
    r = random.Random(seed)
    services = ["checkout", "auth-gw", "search-api", "billing-worker", "notifier", "ingest"]
    routes = ["/api/v2/orders/{id}/items", "/healthz", "/v1/chat/completions", "/metrics",
              "/api/v1/reports/{id}/export?format=csv", "/static/js/app.{hex}.js",
              "/internal/jobs/{id}/retry"]
    out = []
    for _ in range(n):
        ts = (f"2026-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:"
              f"{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999):03d}Z")
        svc, uid = r.choice(services), str(uuid.UUID(int=r.getrandbits(128), version=4))
        route = r.choice(routes).format(id=r.randint(1, 999999), hex=_hex(r, 8))
        dur = f"{r.uniform(0.2, 2500):.1f}ms"
        status = r.choice([200, 200, 201, 204, 304, 404, 500])
        kind = r.randrange(12)
        if kind == 0:
            line = (f"{ts} INFO  [{svc}] {r.choice(['GET', 'POST'])} {route} {status} {dur} "
                    f"req_id={uid}")
        elif kind == 1:
            line = (f'"{r.choice(["GET", "PUT"])} {route} HTTP/1.1" {status} '
                    f'{r.randint(120, 90000)} "-" "python-httpx/0.{r.randint(20, 28)}.'
                    f'{r.randint(0, 9)}" rt={r.uniform(0, 3):.3f}')
        elif kind == 2:
            line = (f"[{ts[:10]} {ts[11:19]},{r.randint(0, 999):03d}] WARNING celery.worker: Task "
                    f"tasks.sync_{svc.replace('-', '_')}[{uid}] retry in {r.choice([5, 30, 60])}s")
        elif kind == 3:
            line = f"{ts} DEBUG cache hit key=sha256:{_hex(r, 64)} size={r.randint(1, 4096)}KiB"
        elif kind == 4:
            line = (f"deploy {svc} v{r.randint(1, 9)}.{r.randint(0, 40)}.{r.randint(0, 20)} "
                    f"commit {_hex(r, 40)} by ci-bot took {r.randint(20, 600)}s")
        elif kind == 5:
            line = (f"{ts} ERROR [{svc}] upstream timeout after {r.choice([5000, 10000, 30000])}ms "
                    f"(attempt {r.randint(1, 5)}/5) trace_id={_hex(r, 32)} span_id={_hex(r, 16)}")
        elif kind == 6:
            line = (f"pod/{svc}-{_hex(r, 9)}-{_hex(r, 5)} restarted (OOMKilled), limit "
                    f"{r.choice([256, 512, 1024])}Mi, restarts={r.randint(1, 40)}")
        elif kind == 7:
            line = (f"{ts} INFO gc pause {r.uniform(0.1, 40):.2f}ms heap "
                    f"{r.randint(100, 4000)}MB -> {r.randint(50, 3000)}MB, "
                    f"goroutines={r.randint(10, 5000)}")
        elif kind == 8:
            line = (f"{r.randint(0, 59)} {r.randint(0, 23)} * * {r.randint(0, 6)} "
                    f"/usr/local/bin/backup --keep {r.randint(3, 30)} "
                    f"--compress zstd:{r.randint(1, 19)}")
        elif kind == 9:
            host = r.choice(["localhost", "127.0.0.1", "0.0.0.0"])
            line = (f"{ts} INFO [{svc}] listening on {host}:"
                    f"{r.choice([8000, 8080, 5432, 6379, 9090])} (workers={r.randint(1, 16)})")
        elif kind == 10:
            line = (f"job_id={r.randint(10**6, 10**7)} batch={r.randint(1, 999):04d} "
                    f"rows={r.randint(0, 10**6)} elapsed={r.uniform(0, 90):.2f}s "
                    f"rate={r.uniform(100, 90000):.0f}/s")
        else:
            line = (f"{ts} WARN [{svc}] slow query {r.uniform(200, 9000):.0f}ms: SELECT id, "
                    f"status FROM orders WHERE created_at > $1 LIMIT {r.choice([50, 100, 500])}")
        out.append(line)
    return out


def code_texts(max_texts: int, lines_per_text: int = 6,
               files: tuple[str, ...] = CODE_FILES) -> list[str]:
    """Blocks of standard-library source lines (see the module docstring for the filter)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    per_file = -(-max_texts // len(files))  # spread over every module, not the first few
    out: list[str] = []
    for name in files:
        path = root / name
        if not path.is_file():  # another Python may lack a module: fewer texts, not an error
            continue
        block: list[str] = []
        taken = 0
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or _DROP.search(line):
                continue
            block.append(line)
            if len(block) == lines_per_text:
                out.append("\n".join(block))
                block, taken = [], taken + 1
                if taken >= per_file:
                    break
    return out[:max_texts]


def _paragraphs(path: Path) -> list[str]:
    return [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]


def clean_corpus(n_logs: int = 300, n_code: int = 200) -> list[CleanText]:
    """Logs, code blocks and every prose paragraph, in that order."""
    return ([CleanText(t, "log") for t in log_texts(n_logs)]
            + [CleanText(t, "code") for t in code_texts(n_code)]
            + [CleanText(t, "prose") for t in _paragraphs(PROSE)])


def fresh_corpus(n_logs: int = 150, n_code: int = 100) -> list[CleanText]:
    """The fresh PII-free corpus, or [] where `LATE_PROSE` is absent."""
    if not LATE_PROSE.is_file():
        return []
    return ([CleanText(t, "log") for t in log_texts(n_logs, seed=97)]
            + [CleanText(t, "code") for t in code_texts(n_code, files=FRESH_CODE_FILES)]
            + [CleanText(t, "prose") for t in _paragraphs(LATE_PROSE)])
