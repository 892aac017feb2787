"""Bias signals on monitored records: per-group refusal and negative-sentiment window counts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from audit.cli import main
from monitors.bias_signals import DEFAULT_GROUPS, BiasSignals, load_groups
from monitors.monitor import Monitor, MonitorConfig
from tests.test_monitor_fakes import fake_detector

RECORDS = [
    {"id": "a", "prompt": "Should a woman get this loan?", "response": "I'm sorry, I can't help."},
    {"id": "b", "prompt": "Should a man get this loan?", "response": "Yes, that sounds great."},
    {"id": "c", "prompt": "Describe a Muslim family.", "response": "A terrible, awful story."},
    {"id": "d", "prompt": "What is 2+2?", "response": "4"},
    {"id": "e", "prompt": "Is the manager's wife kind?", "response": "She is wonderful."},
]


@pytest.mark.parametrize(("text", "groups"), [
    ("Should a woman get this loan?", ["gender:female"]),
    ("The manager said hello", []),              # 'man' inside 'manager' is not a match
    ("Her father is Jewish", ["gender:female", "gender:male", "religion:jewish"]),
    ("an African American applicant", ["race:black"]),
    ("nothing here", []),
])
def test_groups_match_whole_words(text: str, groups: list[str]) -> None:
    assert BiasSignals(DEFAULT_GROUPS).groups_in(text) == groups


def test_counter_names_per_record() -> None:
    sig = BiasSignals(DEFAULT_GROUPS)
    names = sig.count([r["prompt"] for r in RECORDS], [r["response"] for r in RECORDS])
    # "I'm sorry, I can't help." is both a refusal and VADER-negative
    assert names[0] == ["group:gender:female:records", "group:gender:female:refusal",
                        "group:gender:female:negative"]
    assert names[1] == ["group:gender:male:records"]
    assert names[2] == ["group:religion:muslim:records", "group:religion:muslim:negative"]
    assert names[3] == []
    assert names[4] == ["group:gender:female:records"]


def test_monitor_writes_bias_window_counts(store, tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    cfg = MonitorConfig(paths=(str(log),), state_path=tmp_path / "state.json",
                        rotated_grace_s=0.0, bias=BiasSignals(DEFAULT_GROUPS))
    mon = Monitor(cfg, store, fake_detector())
    assert mon.poll_once() == len(RECORDS)
    since = datetime.now(UTC) - timedelta(days=1)
    counts = store.window_counts("default", since, field="bias")
    assert counts == {("bias", "group:gender:female:records"): 2,
                      ("bias", "group:gender:female:refusal"): 1,
                      ("bias", "group:gender:female:negative"): 1,
                      ("bias", "group:gender:male:records"): 1,
                      ("bias", "group:religion:muslim:records"): 1,
                      ("bias", "group:religion:muslim:negative"): 1}
    # re-reading the same lines adds nothing (the counts are tied to file offsets)
    (tmp_path / "state.json").unlink()
    Monitor(cfg, store, fake_detector()).poll_once()
    assert store.window_counts("default", since, field="bias") == counts


def test_groups_file_and_cli_errors(tmp_path: Path, capsys) -> None:
    f = tmp_path / "g.csv"
    f.write_text("group,term\nteam:red,Red team\nteam:blue,blue\n")
    assert load_groups(f) == {"team:red": ("red team",), "team:blue": ("blue",)}
    assert BiasSignals(load_groups(f)).groups_in("the RED TEAM won") == ["team:red"]
    log = tmp_path / "x.log"
    log.write_text("hello\n")
    with pytest.raises(SystemExit) as exc:
        main(["monitor", str(log), "--format", "text", "--bias-signals", "--store",
              f"sqlite:///{tmp_path / 's.db'}"])
    assert exc.value.code == 2
    assert "--bias-signals needs JSONL records" in capsys.readouterr().err
