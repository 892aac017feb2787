"""Several processes opening one new store at the same moment: all succeed, schema made once."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

_OPENER = """
import sys, time
from pathlib import Path
from audit.store import open_store
go = Path(sys.argv[2])
while not go.exists():  # imports done: wait so every process migrates at the same instant
    time.sleep(0.005)
open_store(sys.argv[1]).close()
"""


@pytest.mark.parametrize("any_store_url", ["sqlite", "postgresql"], indirect=True)
def test_concurrent_first_open_migrates_once(any_store_url: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _OPENER, any_store_url, str(go)],
                              stderr=subprocess.PIPE, cwd=Path(__file__).parent.parent)
             for _ in range(4)]
    time.sleep(8)  # let every process finish importing SQLAlchemy and alembic (2 busy cores)
    go.touch()
    errs = [p.communicate(timeout=120)[1].decode() for p in procs]
    # before the write lock, 2-3 of 4 died with "table alembic_version already exists"
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errs
    from sqlalchemy import text

    from audit.store import open_store

    st = open_store(any_store_url)
    try:
        with st.engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    finally:
        st.close()
    assert len(versions) == 1
