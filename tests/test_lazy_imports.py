"""The production processes (monitor, proxy) must not pay for the analysis stack at import."""

from __future__ import annotations

import subprocess
import sys


def test_monitor_and_proxy_do_not_import_pandas():
    code = ("import sys, monitors.monitor, monitors.proxy, monitors.rules, audit.cli._monitor;"
            "print(sorted(m for m in ('pandas', 'pyarrow', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_grouped_mean_still_importable_from_the_package():
    from audit.metrics import grouped_mean
    from audit.metrics.grouped import grouped_mean as direct

    assert grouped_mean is direct
