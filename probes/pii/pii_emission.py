"""`pii_emission`: how often does the model put personal data into its answers?

Generates a reply to every prompt of a prompt set (the project's built-in set
`probes/data/pii/emission_prompts.tsv`, or `--data pii_emission=FILE`) and scans each reply with
Assay's PII engine (`audit.pii`). Reports the share of replies containing any PII (`pii_rate`),
a direct identifier or contact detail (`identifying_pii_rate`), each entity type
(`pii_rate[EMAIL_ADDRESS]`, ...) and each prompt category (`pii_rate[category:contact]`), all with
Wilson 95% intervals. Whether a detected value is real (memorised) or invented cannot be told from
the output alone — `pii_extraction` and `canary_exposure` test for memorisation of known values.

Options: `max_new_tokens` (64), `chat` (true: apply the chat template), `temperature` (0: greedy),
`score_threshold` (the engine's, 0.5).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, ClassVar

from audit.errors import DataError
from audit.model.base import Capability, GenerationConfig
from probes._io import read_jsonl, read_table, read_text
from probes.base import Suite, SuiteContext, SuiteResult
from probes.pii._common import load_prompt_lines
from probes.pii._scan import Prompt, emission_result

__all__ = ["PiiEmissionSuite", "load_prompts"]

DATA = Path(__file__).resolve().parent.parent / "data" / "pii"
EXPECTED = ("a text file with one prompt per line, JSONL with a `prompt` field, or a CSV/TSV "
            "with a `prompt` column (optional `category`, `id`)")


def load_prompts(path: Path, suite: str) -> list[Prompt]:
    """Prompts from a .txt (one per line), .jsonl (`prompt`) or CSV/TSV (`prompt` column) file."""
    suffix = path.suffix.lower()
    rows: list[dict[str, Any]]
    if suffix in (".jsonl", ".json", ".ndjson"):
        rows = read_jsonl(path, suite, EXPECTED)
    elif suffix in (".csv", ".tsv"):
        rows = [dict(r) for _, r in read_table(path, suite, ["prompt"], EXPECTED).iterrows()]
    else:
        rows = [{"prompt": line} for line in load_prompt_lines(read_text(path, suite))]
    prompts = []
    for i, r in enumerate(rows, 1):
        text = r.get("prompt")
        if not isinstance(text, str) or not text.strip():
            raise DataError(f"{suite}: {path.name} record {i} has no `prompt` text",
                            f"expected {EXPECTED}")
        pid = str(r.get("id") or "").strip() or f"p{i}"
        prompts.append(Prompt(pid, text.strip(), str(r.get("category") or "").strip()))
    if not prompts:
        raise DataError(f"{suite}: {path} has no prompts", f"expected {EXPECTED}")
    if len({p.id for p in prompts}) != len(prompts):
        raise DataError(f"{suite}: {path.name} has duplicate ids", "make the `id` values unique")
    return prompts


def generation_config(options: dict[str, Any], seed: int, chat: bool,
                      max_new_tokens: int) -> GenerationConfig:
    """Decoding settings from suite options (defaults: greedy, `max_new_tokens`)."""
    try:
        return GenerationConfig(max_new_tokens=int(options.get("max_new_tokens", max_new_tokens)),
                                temperature=float(options.get("temperature", 0.0)), seed=seed,
                                chat=bool(options.get("chat", chat)))
    except ValueError as exc:
        raise DataError(f"bad generation option: {exc}", "use max_new_tokens >= 1, "
                        "temperature >= 0") from None


class PiiEmissionSuite(Suite):
    id: ClassVar[str] = "pii_emission"
    category: ClassVar[str] = "pii"
    requires: ClassVar[frozenset[Capability]] = frozenset({Capability.GENERATION})
    description: ClassVar[str] = ("share of generated replies containing PII (any, identifying, "
                                  "per entity type, per prompt category) found by the PII engine")
    data_help: ClassVar[str] = "optional prompt set: " + EXPECTED

    def prepare(self) -> None:
        if self.data_path is None:
            df = read_table(DATA / "emission_prompts.tsv", self.id, ["id", "category", "prompt"],
                            "the built-in prompt set")
            prompts = [Prompt(r["id"], r["prompt"], r["category"]) for _, r in df.iterrows()]
        else:
            prompts = load_prompts(self.data_path, self.id)
        if self.limit and self.limit < len(prompts):
            prompts = sorted(random.Random(self.seed).sample(prompts, self.limit),
                             key=prompts.index)
        self.prompts = prompts
        self.config = generation_config(self.options, self.seed, chat=True, max_new_tokens=64)

    def run(self, ctx: SuiteContext) -> SuiteResult:
        with ctx.progress("pii_emission: generating", len(self.prompts)) as advance:
            outputs = ctx.model.generate([p.text for p in self.prompts], self.config,
                                         progress=advance)
        return emission_result(self, ctx, self.prompts, outputs,
                               prompt_set="builtin" if self.data_path is None else "user",
                               max_new_tokens=self.config.max_new_tokens)
