"""Which reversible placeholders does a small model copy? (README: "Reversible mode and sessions").

Asks the default model (SmolLM2-135M-Instruct, greedy, 40 new tokens) for a reply, a summary and
a contact card that use the placeholders, once per token style, and prints per answer which
placeholders it kept verbatim and which values `PseudonymVault.restore` got back (mutations
included). Run: `.venv/bin/python bench/placeholder_trial.py` (about 2 minutes on 2 CPU cores).
"""

from __future__ import annotations

import time

from audit.model import HFModel
from audit.model.base import GenerationConfig
from audit.pii.vault import PseudonymVault

STYLES = {"angle": ("<PERSON_1>", "<EMAIL_ADDRESS_1>"), "square": ("[PERSON_1]", "[EMAIL_ADDRESS_1]")}
PROMPTS = ["Write a short reply to {p} confirming the meeting. Mention their email {e}.",
           "Summarise in one sentence: {p} asked us to write to {e} about the invoice.",
           "Draft a one-line contact card for {p}, email {e}."]
VALUES = ("Anna Weber", "anna@example.org")


def main() -> None:
    lm = HFModel("default", device="cpu").load()
    asks = [(style, toks, t.format(p=toks[0], e=toks[1]))
            for style, toks in STYLES.items() for t in PROMPTS]
    t0 = time.time()
    outs = lm.generate([a[2] for a in asks], GenerationConfig(max_new_tokens=40))
    for (style, toks, _), out in zip(asks, outs):
        vault = PseudonymVault(token_style=style)
        vault.token_for(VALUES[0], "PERSON")
        vault.token_for(VALUES[1], "EMAIL_ADDRESS")
        restored = vault.restore(out)
        print(f"{style:6} kept {[t for t in toks if t in out]} restored "
              f"{[v for v in VALUES if v in restored]} | {out[:120]!r}")
    print(f"{time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
