"""The systemd units pass systemd's own checks: `systemd-analyze verify` without a single warning
and `systemd-analyze security` at 2.0 ("OK") or lower, through scripts/systemd/verify-units.sh."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "systemd" / "verify-units.sh"

pytestmark = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed"
)


def run_script(units_dir=None):
    env = dict(os.environ)
    if units_dir is not None:
        env["UNITS_DIR"] = str(units_dir)
    return subprocess.run(
        ["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=120
    )


def test_units_verify_and_score_ok():
    result = run_script()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verify-units: all checks passed" in result.stdout
    exposure = [line for line in result.stdout.splitlines() if "Overall exposure level" in line]
    assert exposure and float(exposure[0].split(":")[-1].split()[0]) <= 2.0, result.stdout


@pytest.mark.parametrize(
    "unit, edits, expected",
    [
        ("vpcdns.service", [("Restart=on-failure", "Restart=on-failure\nRestartt=always")], "Unknown key"),
        ("vpcdns.service", [("ProtectSystem=strict", "ProtectSystem=bogus")], "Failed to parse"),
        ("vpcdns.socket", [("ListenStream=127.0.0.1:53", "ListenStream=127.0.0.1:99999")], "Failed to parse"),
        (
            "vpcdns.service",
            [("DynamicUser=yes", "DynamicUser=no"), ("SystemCallFilter=@system-service", ""),
             ("SystemCallFilter=~@privileged @resources", ""), ("SystemCallFilter=setpriority", "")],
            "FAIL: exposure above",
        ),
    ],
    ids=["unknown-key", "bad-value", "bad-socket-address", "weak-hardening"],
)
def test_script_catches_broken_units(tmp_path, unit, edits, expected):
    """The checker itself fails on what systemd only warns about, and on weak hardening."""
    for name in ("vpcdns.service", "vpcdns.socket"):
        shutil.copy(REPO / "systemd" / name, tmp_path / name)
    path = tmp_path / unit
    text = path.read_text()
    for old, new in edits:
        # Whole lines only: comments mention some of these settings too.
        text, count = re.subn(rf"^{re.escape(old)}$", lambda _: new, text, count=1, flags=re.M)
        assert count == 1, old
    path.write_text(text)
    result = run_script(tmp_path)
    assert result.returncode != 0
    assert expected in result.stderr, result.stdout + result.stderr
