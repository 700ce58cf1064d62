"""The real vpcdns .deb on a real systemd host: scripts/systemd/test-deb-in-host.sh boots a Debian 12
container with systemd as PID 1 and systemd-resolved on port 53, installs the package, and drives
vpcdns with systemctl, dig, getent and journalctl from inside (enable --now, answers, reload,
a broken reload, the watchdog, restart, both resolved set-ups, reinstall, stop, remove, purge).

VPCDNS_DEB is the package (`make integration-test` builds it with `make deb`). Needs root and a
reachable Debian mirror the first time (the root file system is cached under /var/cache/vpcdns-test)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "systemd" / "test-deb-in-host.sh"
DEB = os.environ.get("VPCDNS_DEB")

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="booting a container needs root"),
    pytest.mark.skipif(not DEB or not Path(DEB).is_file(), reason="VPCDNS_DEB is not a built package (make deb)"),
    pytest.mark.skipif(shutil.which("unshare") is None, reason="unshare (util-linux) is missing"),
]


def test_deb_on_a_real_systemd_host():
    # The first run on a machine builds the root file system with debootstrap (a few minutes).
    result = subprocess.run(["bash", str(SCRIPT), DEB], capture_output=True, text=True, timeout=1200)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    last = result.stdout.rstrip().splitlines()[-1]
    assert last.endswith(" passed, 0 failed") and int(last.split()[0]) >= 70, output
