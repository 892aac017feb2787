"""The PII secret file: 0600 in a 0700 directory, refused when others may read it, and bound to
the store by its fingerprint, so a lost or replaced key is reported instead of silently making
keyed hashes that match nothing stored before."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select

from audit.cli import main
from audit.errors import DataError
from audit.pii import secret
from audit.pii.secret import bind_secret, fingerprint, keyed_hash, load_secret
from audit.store import open_store

KEY_A = b"a" * 64
KEY_B = b"b" * 64


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    # the process keeps a key once read; these tests replace files under the same path
    monkeypatch.setattr(secret, "_cache", {})


def write_key(path: Path, key: bytes, mode: int = 0o600) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(key)
    path.chmod(mode)
    secret._cache.clear()


def test_created_0600_in_0700_dir_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "assay" / "secret.key"
    old = os.umask(0)  # the most permissive umask: modes must still be private
    try:
        key = load_secret(path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(key) == 64 and key == path.read_bytes()


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o606])
def test_group_or_world_access_is_refused_with_the_fix(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "secret.key"
    write_key(path, KEY_A, mode)
    with pytest.raises(DataError) as exc:
        keyed_hash("x", path)
    msg = str(exc.value)
    assert "\n" not in msg and f"mode {mode:04o}" in msg and f"chmod 600 {path}" in msg
    path.chmod(0o600)
    assert len(keyed_hash("x", path)) == 64  # the fix it names works


def test_load_without_create_does_not_create(tmp_path: Path) -> None:
    path = tmp_path / "none.key"
    with pytest.raises(DataError, match="does not exist"):
        load_secret(path, create=False)
    assert not path.exists()


def test_fingerprint_names_the_key_without_revealing_it() -> None:
    fp = fingerprint(KEY_A)
    assert len(fp) == 16 and fp == fingerprint(KEY_A) != fingerprint(KEY_B)
    assert fp not in KEY_A.hex() and fp != hashlib.sha256(KEY_A).hexdigest()[:16]


def dump_store(url: str) -> str:
    """Every row of every table, as text (what someone with the database would see)."""
    st = open_store(url)
    md = MetaData()
    md.reflect(st.engine)
    with st.engine.connect() as conn:
        rows = {t: [list(r) for r in conn.execute(select(md.tables[t]))] for t in md.tables}
    st.close()
    return json.dumps(rows, default=str)


def test_store_binds_the_key_and_refuses_lost_or_replaced_ones(any_store_url: str,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    st = open_store(any_store_url)
    assert st.secret_fingerprint() is None
    fp_a, note = bind_secret(st, path=path)  # first use: created and recorded
    assert note is None and path.exists() and st.secret_fingerprint() == fp_a
    key_a = path.read_bytes()
    assert bind_secret(st, path=path) == (fp_a, None)  # same key: nothing to say
    # lost: never silently recreated
    path.unlink()
    secret._cache.clear()
    with pytest.raises(DataError) as lost:
        bind_secret(st, path=path)
    assert "missing" in str(lost.value) and fp_a in str(lost.value)
    assert "--accept-new-secret" in str(lost.value) and not path.exists()
    # replaced: refused, naming both fingerprints
    write_key(path, KEY_B)
    with pytest.raises(DataError) as replaced:
        bind_secret(st, path=path)
    assert fingerprint(KEY_B) in str(replaced.value) and fp_a in str(replaced.value)
    assert st.secret_fingerprint() == fp_a  # a refusal changes nothing
    # accepted explicitly: reported once, then the new key is the store's key
    fp_b, note = bind_secret(st, accept_new=True, path=path)
    assert fp_b == fingerprint(KEY_B) and note is not None and fp_a in note and fp_b in note
    assert st.secret_fingerprint() == fp_b and bind_secret(st, path=path) == (fp_b, None)
    # switching back to the first key needs the same explicit consent
    write_key(path, key_a)
    with pytest.raises(DataError):
        bind_secret(st, path=path)
    assert bind_secret(st, accept_new=True, path=path)[0] == fp_a == st.secret_fingerprint()
    st.close()
    dump = dump_store(any_store_url)
    assert fp_a in dump and fp_b in dump  # the history is kept
    for key in (key_a, KEY_B):  # the keys themselves never are
        assert key.decode() not in dump and key.decode()[:16] not in dump


def test_lost_key_after_accepted_new_start_creates_a_fresh_one(tmp_path: Path) -> None:
    path = tmp_path / "s.key"
    st = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    fp_a = bind_secret(st, path=path)[0]
    path.unlink()
    secret._cache.clear()
    fp_new, note = bind_secret(st, accept_new=True, path=path)
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert fp_new != fp_a and note and st.secret_fingerprint() == fp_new
    st.close()


def store_says(db: Path, what: str) -> object:
    st = open_store(f"sqlite:///{db}")
    try:
        return (st.secret_fingerprint() if what == "fingerprint"
                else st.count_findings(source="monitor"))
    finally:
        st.close()


def run_monitor(capsys, db: Path, log: Path, *extra: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(["monitor", str(log), "--store", f"sqlite:///{db}", "--json", *extra])
    return exc.value.code, capsys.readouterr().err


def test_monitor_cli_refuses_a_replaced_key_unless_told(capsys, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    key = tmp_path / "conf" / "secret.key"
    monkeypatch.setenv("ASSAY_SECRET_FILE", str(key))
    db, log = tmp_path / "a.db", tmp_path / "gw.jsonl"
    log.write_text(json.dumps({"id": "r1", "response": "SSN 536-22-8726"}) + "\n")
    code, err = run_monitor(capsys, db, log, "--name", "one")
    assert code == 0 and key.exists()
    first = store_says(db, "fingerprint")
    assert first == fingerprint(key.read_bytes().strip())
    write_key(key, KEY_B)
    code, err = run_monitor(capsys, db, log, "--name", "two")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--accept-new-secret" in err
    assert store_says(db, "findings") == 1  # nothing new
    key.chmod(0o644)
    code, err = run_monitor(capsys, db, log, "--name", "two")
    assert code == 2 and f"chmod 600 {key}" in err and len(err.strip().splitlines()) == 1
    key.chmod(0o600)
    code, err = run_monitor(capsys, db, log, "--name", "two", "--accept-new-secret")
    assert code == 0 and "warning: PII secret changed" in err
    assert store_says(db, "fingerprint") == fingerprint(KEY_B)
    assert store_says(db, "findings") == 2


def test_audit_records_the_fingerprint_and_refuses_a_replaced_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audit.model import FakeModel
    from audit.runner import AuditConfig, run_audit

    key = tmp_path / "secret.key"
    monkeypatch.setenv("ASSAY_SECRET_FILE", str(key))
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("Give me an email address.\n")
    st = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    cfg = AuditConfig(suites=("pii_emission",), data={"pii_emission": prompts})
    model = FakeModel(responses=lambda p: "Write to ada.lovelace@example.org today.")
    res = run_audit(cfg, model, st)
    assert res.run.config["pii_secret"] == fingerprint(key.read_bytes().strip())
    assert res.run.config["evidence"] == "shape"
    write_key(key, KEY_B)
    with pytest.raises(DataError, match="accept-new-secret"):
        run_audit(cfg, model, st)
    assert len(st.runs()) == 1
    res = run_audit(AuditConfig(suites=("pii_emission",), data={"pii_emission": prompts},
                                accept_new_secret=True), model, st)
    assert res.run.config["pii_secret"] == fingerprint(KEY_B) == st.secret_fingerprint()
    st.close()
