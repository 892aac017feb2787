"""Shared fixtures. The real default model loads once per session (CPU, fp32)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from audit.paths import datasets_dir

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def datasets() -> Path:
    """The shared third-party benchmark files (ASSAY_DATASETS overrides ../shared/datasets)."""
    d = datasets_dir()
    if not d.is_dir():
        pytest.fail(f"benchmark datasets not found at {d}; set ASSAY_DATASETS")
    return d


@pytest.fixture(scope="session")
def default_model():
    """The real bundled SmolLM2-135M-Instruct on CPU, loaded once."""
    from audit.model import HFModel

    return HFModel("default", device="cpu").load()


@pytest.fixture()
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'assay.db'}"


@pytest.fixture()
def store(sqlite_url: str):
    from audit.store import open_store

    st = open_store(sqlite_url)
    yield st
    st.close()


def _postgres_url() -> str | None:
    url = os.environ.get("ASSAY_TEST_POSTGRES_URL")
    if not url and os.environ.get("ASSAY_REQUIRE_POSTGRES"):
        pytest.fail("ASSAY_REQUIRE_POSTGRES is set but ASSAY_TEST_POSTGRES_URL is not")
    return url


@pytest.fixture()
def postgres_url():
    """A clean PostgreSQL database (CI starts one; locally set ASSAY_TEST_POSTGRES_URL)."""
    url = _postgres_url()
    if not url:
        pytest.skip("no ASSAY_TEST_POSTGRES_URL (CI provides a real PostgreSQL)")
    from sqlalchemy import create_engine, text

    from audit.store import _normalise_url

    engine = create_engine(_normalise_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store_url(request, tmp_path: Path) -> str:
    """Parametrises a test over SQLite and PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'assay.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="module")
def recs(request) -> list[dict]:
    """The records of a sealed-set format test's file (its module's `SEALED`), loaded and
    checked by `bench.pii_sealed.load`."""
    from bench.pii_sealed import load

    return load(request.module.SEALED)


@pytest.fixture(scope="module")
def spans(recs: list[dict]) -> list[tuple[dict, str, str, int, int]]:
    """(record, value, label, start, end) for every labelled value of `recs`."""
    return [(r, r["text"][s:e], t, s, e) for r in recs for s, e, t in r["spans"]]
