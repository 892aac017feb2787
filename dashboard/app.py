"""Assay dashboard entry point: `assay dashboard` runs `streamlit run dashboard/app.py`."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import streamlit as st

from dashboard import _data

HERE = Path(__file__).resolve().parent


def _authorised(password_sha256: str) -> bool:
    """A password gate (only when `assay dashboard` was given one)."""
    if not password_sha256 or st.session_state.get("assay_authorised"):
        return True
    pw = st.text_input("Password", type="password", key="assay_password")
    if pw:
        if hmac.compare_digest(hashlib.sha256(pw.encode()).hexdigest(), password_sha256):
            st.session_state["assay_authorised"] = True
            st.rerun()
        st.error("Wrong password.")
    return False


st.set_page_config(page_title="Assay", layout="wide")
cfg = _data.config()
if not _authorised(cfg.password_sha256):
    st.stop()

pages = [
    st.Page(str(HERE / "pages" / "overview.py"), title="Overview", default=True),
    st.Page(str(HERE / "pages" / "bias.py"), title="Bias"),
    st.Page(str(HERE / "pages" / "pii.py"), title="PII"),
    st.Page(str(HERE / "pages" / "explanations.py"), title="Explanations"),
    st.Page(str(HERE / "pages" / "monitors.py"), title="Monitors"),
    st.Page(str(HERE / "pages" / "compare.py"), title="Compare"),
    st.Page(str(HERE / "pages" / "flips.py"), title="Item flips"),
]
st.navigation(pages).run()
st.sidebar.caption(f"Store: {cfg.store_url.split('@')[-1]} · read-only")
