"""Real browser (Debian's Chromium via playwright): `assay dashboard` pages and the HTML report.

Needs /usr/bin/chromium (CI's .ci/run installs it and sets ASSAY_REQUIRE_BROWSER=1, which turns a
missing browser into a failure instead of a skip). No browser is downloaded.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.dashboard_proc import healthy, start_dashboard
from tests.readers_data import seed_runs

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
# page url path -> texts that must be visible on it
PAGES = {
    "": ["Overview", "Verdict:", "By group", "Runs", "critical findings", "Gate rules"],
    "bias": ["Bias", "crows_pairs.pct_stereotype", "Gap", "Worst cases"],
    "pii": ["PII", "Findings by entity type", "Redacted evidence"],
    "explanations": ["Explanations", "integrated_gradients", "nurse", "rather than"],
    "monitors": ["Monitors", "monitor findings, 24 h", "Alerts timeline", "Quarantined lines"],
    "compare": ["Compare", "beyond their CIs", "do not overlap"],
    "flips": ["Item flips", "By group (Holm-adjusted McNemar p)"],
}


@pytest.fixture(scope="module")
def chromium() -> str:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("ASSAY_REQUIRE_BROWSER"):
            pytest.fail(f"ASSAY_REQUIRE_BROWSER is set but {CHROMIUM} is missing "
                        "(apt-get install chromium chromium-driver)")
        pytest.skip("no Chromium at /usr/bin/chromium (CI installs it)")
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
        yield b
        b.close()


def _showcase(store, datasets: Path) -> None:
    """A store a reviewer would meet: the two seeded runs (newest), older real-pipeline audits of
    other suites (StereoSet; CrowS-Pairs twice, the later one shifted, so items flip; FakeModel
    scores over the real files), a monitor whose rules fired, quarantined lines, redactions."""
    from audit.model import FakeModel
    from audit.runner import AuditConfig, run_audit
    from audit.types import Alert, QuarantinedLine, RedactionEvent

    now = datetime.now(UTC)
    files = {"stereoset": datasets / "stereoset",
             "crows_pairs": datasets / "crows_pairs" / "crows_pairs_anonymized.csv"}
    for hours, suite, bonus in ((5, "stereoset", {}), (4, "crows_pairs", {}),
                                (3, "crows_pairs", {" he": 0.8, " gay": 1.5, " black": -1.0})):
        res = run_audit(AuditConfig(suites=(suite,), limit=300, data={suite: files[suite]}),
                        FakeModel(bonus=bonus), None)
        started = now - timedelta(hours=hours)
        run = dataclasses.replace(res.run, started_at=started,
                                  ended_at=started + timedelta(seconds=40))
        store.write_run(run, [m for r in res.results for m in r.metrics],
                        [f for r in res.results for f in r.findings],
                        [x for r in res.results for x in r.samples])
    seed_runs(store)
    for minutes, rule, value in ((50, "pii_rate>0.05", 0.09), (20, "pii_rate>0.05", 0.11),
                                 (8, "refusal_gap[gender]>0.10", 0.14)):
        end = now - timedelta(minutes=minutes)
        store.write_alert(Alert("gateway", rule, "threshold", "high", end - timedelta(minutes=5),
                                end, value, float(rule.rsplit(">", 1)[1]), 300,
                                f"{rule.split('>')[0]} {value:.2f} over the last 5 min",
                                value - 0.03, value + 0.03))
    store.commit_monitor_batch("gateway", [], [], [QuarantinedLine(
        "gateway", "/var/log/gateway/llm.jsonl", "k1", 1024 * i, 57, "invalid JSON at column 12")
        for i in range(3)], {})
    store.write_redaction_events([RedactionEvent("proxy", "/v1/chat/completions", d, "mask", "ok",
                                                 {"EMAIL_ADDRESS": 2, "PHONE_NUMBER": 1})
                                  for d in ("request", "response")])


def _shoot(page, path: Path) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its own container, so the window
    is made as tall as the content first (a full-page shot alone stops at the viewport)."""
    height = page.evaluate("() => Math.max(...Array.from(document.querySelectorAll('*'),"
                           " e => e.scrollHeight))")
    page.set_viewport_size({"width": 1400, "height": int(min(max(height, 1000), 5000))})
    page.wait_for_timeout(1200)  # charts redraw at the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def _screens(tmp_path: Path) -> Path:
    d = Path(os.environ.get("ASSAY_SCREENSHOT_DIR") or tmp_path / "screens")
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture()
def dashboard(store, sqlite_url, tmp_path, datasets):
    _showcase(store, datasets)
    log = open(tmp_path / "dashboard.log", "w")
    proc, port = start_dashboard(sqlite_url, log)
    if not healthy(proc, port, 90):
        proc.kill()
        pytest.fail("dashboard did not start: " + (tmp_path / "dashboard.log").read_text())
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_every_page_renders_in_chromium(browser, dashboard, tmp_path):
    screens = _screens(tmp_path)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    for path, texts in PAGES.items():
        page.goto(f"{dashboard}/{path}", wait_until="domcontentloaded")
        for text in texts:
            page.get_by_text(text, exact=False).first.wait_for(state="visible", timeout=60_000)
        # no Streamlit exception box on the page
        assert page.locator("[data-testid='stException']").count() == 0, path
        page.wait_for_timeout(800)  # let charts finish drawing before the screenshot
        shot = screens / f"dashboard-{path or 'overview'}.png"
        _shoot(page, shot)
        assert shot.stat().st_size > 10_000
    # the first screen is the verdict: above the runs table, inside the first viewport
    page.goto(dashboard, wait_until="domcontentloaded")
    head = page.get_by_text("Verdict:", exact=False).first
    head.wait_for(state="visible", timeout=60_000)
    runs = page.get_by_role("heading", name="Runs").first
    runs.wait_for(state="visible", timeout=60_000)
    top = head.bounding_box()
    assert top and top["y"] < 1000 and top["y"] < runs.bounding_box()["y"]
    # the monitor's alerts fail the verdict: its status chip is on the first screen
    assert page.get_by_text("FAIL", exact=True).first.is_visible()
    # the heat map is real DOM: the strongest token has the strongest red
    page.goto(f"{dashboard}/explanations", wait_until="domcontentloaded")
    span = page.locator("span[title='0.91']").first
    span.wait_for(timeout=60_000)
    assert span.inner_text().strip() == "nurse"
    assert "214, 39, 40" in span.evaluate("e => getComputedStyle(e).backgroundColor")
    assert not errors, errors
    page.close()


def test_html_report_renders_offline(browser, store, sqlite_url, tmp_path, capsys):
    from audit.cli import main

    seed_runs(store)
    out = tmp_path / "report.html"
    with pytest.raises(SystemExit) as exc:
        main(["report", "--latest", "--out", str(out), "--store", sqlite_url])
    assert exc.value.code == 0
    page = browser.new_page()
    requests: list[str] = []

    def handle(route):
        requests.append(route.request.url)
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", handle)
    page.goto(out.as_uri(), wait_until="load")
    assert page.title().startswith("Assay report: SmolLM2-135M-Instruct")
    assert page.locator("svg.chart").count() >= 3
    box = page.locator("svg.chart").first.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 50
    assert page.get_by_text("Change since previous run of the same model").is_visible()
    verdict = page.locator("#verdict").bounding_box()  # the report opens with the verdict
    assert verdict and verdict["y"] < page.locator("h2", has_text="Metrics").bounding_box()["y"]
    assert verdict["y"] < page.locator("h2", has_text="Provenance").bounding_box()["y"]
    assert page.locator(".tile.st-warn").is_visible()
    page.screenshot(path=str(_screens(tmp_path) / "report.png"), full_page=True)
    assert requests and all(u.startswith(("file:", "data:")) for u in requests), requests
    page.close()
