"""OffsetRegistry: hypothesis round trips, atomic writes, corrupt state is a one-line error."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.errors import DataError
from monitors.offsets import FileEntry, OffsetRegistry

entries = st.builds(FileEntry, dev=st.integers(0, 2**40), ino=st.integers(0, 2**40),
                    head=st.text("0123456789abcdef", min_size=32, max_size=32),
                    generation=st.integers(0, 5), path=st.text(min_size=1, max_size=40),
                    offset=st.integers(0, 2**50), tail=st.text("0123456789abcdef", max_size=32),
                    finished=st.booleans(), updated=st.floats(1e9, 2e9))


@settings(max_examples=60, deadline=None)
@given(st.lists(entries, max_size=8))
def test_registry_round_trip(tmp_path_factory: pytest.TempPathFactory,
                             items: list[FileEntry]) -> None:
    path = tmp_path_factory.mktemp("reg") / "state.json"
    reg = OffsetRegistry(path, keep_finished_s=1e12)
    for e in items:
        reg._entries[e.key] = e
    reg.save()
    back = OffsetRegistry(path, keep_finished_s=1e12).load()
    assert sorted(back.entries(), key=lambda e: e.key) == sorted(
        {e.key: e for e in items}.values(), key=lambda e: e.key)


def test_key_depends_on_identity_and_generation() -> None:
    a = FileEntry(1, 2, "h" * 32, 0, "/x")
    assert a.key == FileEntry(1, 2, "h" * 32, 0, "/elsewhere", offset=99).key
    assert a.key != FileEntry(1, 2, "h" * 32, 1, "/x").key
    assert a.key != FileEntry(1, 3, "h" * 32, 0, "/x").key
    assert a.key != FileEntry(1, 2, "g" * 32, 0, "/x").key


def test_advance_never_goes_back(tmp_path: Path) -> None:
    reg = OffsetRegistry(tmp_path / "s.json")
    e = reg.track(1, 2, "h", "/x")
    reg.advance(e.key, 10, "t")
    with pytest.raises(ValueError):
        reg.advance(e.key, 5, "t")


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "s.json"
    reg = OffsetRegistry(path)
    e = reg.track(1, 2, "h", "/x")
    reg.advance(e.key, 10, "t")
    reg.save()
    before = path.read_bytes()
    reg.advance(e.key, 20, "t")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        reg.save()
    assert path.read_bytes() == before  # the old state survives a failed write
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def test_finished_entries_are_pruned(tmp_path: Path) -> None:
    reg = OffsetRegistry(tmp_path / "s.json", keep_finished_s=0)
    e = reg.track(1, 2, "h", "/x")
    reg._entries[e.key] = FileEntry(1, 2, "h", 0, "/x", finished=True, updated=0.0)
    reg.save()
    assert json.loads((tmp_path / "s.json").read_text())["files"] == []


def test_corrupt_state_is_a_data_error(tmp_path: Path) -> None:
    p = tmp_path / "s.json"
    p.write_text("{not json")
    with pytest.raises(DataError, match="corrupt"):
        OffsetRegistry(p).load()
