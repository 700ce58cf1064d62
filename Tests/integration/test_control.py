"""`vpcdns ctl` against the running daemon over its control socket (`control:`): every verb, a bad
reload's errors coming back to the caller with file:line, and the socket's permissions: 0600
refuses another user, 0660 with `group` lets the group's members in."""

import os
import re
import shutil
import stat
import subprocess
import tempfile

import pytest

from conftest import CORP_ZONE, CORP_ZONE_CONFIG, VPC_CLIENT, run_vpcdns, vpcdns_binary

VIEW = "vpc-0a1b2c3d4e5f60718"


@pytest.fixture
def socket_dir():
    """A folder other users may traverse (pytest's own tmp folders are 0700), so that only the
    socket's own mode decides who gets in."""
    path = tempfile.mkdtemp(prefix="vpcdns-ctl-")
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def start(vpcdns, socket_dir, group=None):
    control = f"control: {{ socket: {socket_dir}/control.sock" + (f", group: {group}" if group else "") + " }\n"
    daemon = vpcdns(control + CORP_ZONE_CONFIG, {"zones/corp.test.zone": CORP_ZONE})
    daemon.socket = f"{socket_dir}/control.sock"
    return daemon


def ctl(daemon, *words):
    return run_vpcdns("ctl", "--socket", daemon.socket, *words)


def test_every_verb(vpcdns, socket_dir):
    daemon = start(vpcdns, socket_dir)
    assert stat.S_IMODE(os.stat(daemon.socket).st_mode) == 0o600

    status = run_vpcdns("ctl", "--config", str(daemon.config), "status")  # the path from the config
    assert status.returncode == 0, status.stderr
    assert "state: ready" in status.stdout and f"127.0.0.1:{daemon.port} UDP" in status.stdout, status.stdout

    assert daemon.dig("web.corp.test", source=VPC_CLIENT).status == "NOERROR"
    assert daemon.dig("www.example.test", source=VPC_CLIENT).status == "NOERROR"
    assert daemon.dig("txt.example.test", "TXT", source=VPC_CLIENT).status == "NOERROR"
    stats = ctl(daemon, "stats")
    assert stats.returncode == 0, stats.stderr
    assert "requests.total=3" in stats.stdout, stats.stdout
    assert f"answers{{view={VIEW},source=private_zone}}=1" in stats.stdout, stats.stdout
    assert "cache.entries=2" in stats.stdout, stats.stdout

    dump = ctl(daemon, "dump-cache")
    assert dump.returncode == 0 and ";; 2 entries" in dump.stdout, dump.stdout
    assert re.search(r"^www\.example\.test\.\t\d+\tIN\tA\t192\.0\.2\.10$", dump.stdout, re.M), dump.stdout

    lookup = ctl(daemon, "lookup", "www.example.test", "--from", VPC_CLIENT)
    assert lookup.returncode == 0, lookup.stderr
    assert "the upstream's answer is in the cache" in lookup.stdout, lookup.stdout
    assert re.search(r"^www\.example\.test\.\t\d+\tIN\tA\t192\.0\.2\.10$", lookup.stdout, re.M), lookup.stdout
    local = ctl(daemon, "lookup", "web.corp.test", "A", "--from", VPC_CLIENT)
    assert f"view {VIEW}: the client is inside its CIDR 127.0.0.16/28" in local.stdout, local.stdout
    assert "web.corp.test.\t300\tIN\tA\t10.10.3.20" in local.stdout, local.stdout

    flushed = ctl(daemon, "flush", "www.example.test")
    assert flushed.returncode == 0 and "flushed 1 entries for www.example.test." in flushed.stdout, flushed.stdout
    assert "www.example.test" not in ctl(daemon, "dump-cache").stdout
    assert "flushed 1 entries" in ctl(daemon, "flush").stdout
    assert ";; 0 entries" in ctl(daemon, "dump-cache").stdout

    reload = ctl(daemon, "reload")
    assert reload.returncode == 0 and "reloaded" in reload.stdout, reload.stdout + reload.stderr

    unknown = ctl(daemon, "frobnicate")
    assert unknown.returncode == 1 and "unknown verb frobnicate" in unknown.stderr


def test_a_bad_reload_reports_file_and_line_to_the_caller(vpcdns, socket_dir):
    daemon = start(vpcdns, socket_dir)
    broken = daemon.config.read_text().replace("private_dns: true", "privat_dns: true")
    daemon.config.write_text(broken)
    line = next(number for number, text in enumerate(broken.splitlines(), 1) if "privat_dns" in text)
    reload = ctl(daemon, "reload")
    assert reload.returncode == 1, reload.stdout
    assert "reload failed, still serving the previous config" in reload.stderr, reload.stderr
    assert re.search(rf"{re.escape(str(daemon.config))}:{line}:\d+: .*privat_dns", reload.stderr), reload.stderr
    assert daemon.alive()
    assert daemon.dig("web.corp.test", source=VPC_CLIENT).rdata("A") == ["10.10.3.20"]
    assert "not ready: the last reload failed" in ctl(daemon, "status").stdout


def as_nobody(*args, groups="nogroup"):
    command = ["setpriv", "--reuid=nobody", "--regid=nogroup", f"--groups={groups}", "--", vpcdns_binary(), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)


def test_another_user_is_refused(vpcdns, socket_dir):
    daemon = start(vpcdns, socket_dir)
    refused = as_nobody("ctl", "--socket", daemon.socket, "status")
    assert refused.returncode == 1, refused.stdout
    assert "Permission denied" in refused.stderr and "permission denied" in refused.stderr, refused.stderr


def test_a_member_of_the_control_group_gets_in(vpcdns, socket_dir):
    daemon = start(vpcdns, socket_dir, group="nogroup")
    info = os.stat(daemon.socket)
    assert stat.S_IMODE(info.st_mode) == 0o660 and info.st_gid == 65534
    allowed = as_nobody("ctl", "--socket", daemon.socket, "status")
    assert allowed.returncode == 0, allowed.stderr
    assert "state: ready" in allowed.stdout
    outsider = subprocess.run(["setpriv", "--reuid=nobody", "--regid=54321", "--clear-groups", "--", vpcdns_binary(),
                               "ctl", "--socket", daemon.socket, "status"], capture_output=True, text=True, timeout=30)
    assert outsider.returncode == 1 and "Permission denied" in outsider.stderr, outsider.stderr
