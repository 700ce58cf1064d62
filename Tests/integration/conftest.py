"""Fixtures for the integration suite: real unbound upstreams, real vpcdns daemons, real `dig`.

Network rule: every process started here listens on, and sends to, loopback only. vpcdns configs
always name their upstreams explicitly (a test unbound or a dead loopback port); unbound answers
everything from `local-data` (`local-zone: "." static`) and could not recurse if it tried
(`outgoing-interface: 127.0.0.1`). Every process is stopped by its own PID at teardown, even when
the test failed.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import string
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------------------------------------
# Ports and processes
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    """A port free for UDP and TCP on every IPv4 loopback address and on ::1: the kernel picks it
    (bind to port 0), then the other three sockets must bind it too."""
    for _ in range(50):
        udp4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp4.bind(("0.0.0.0", 0))
        port = udp4.getsockname()[1]
        others = []
        try:
            for family, kind, host in (
                (socket.AF_INET, socket.SOCK_STREAM, "0.0.0.0"),
                (socket.AF_INET6, socket.SOCK_DGRAM, "::1"),
                (socket.AF_INET6, socket.SOCK_STREAM, "::1"),
            ):
                sock = socket.socket(family, kind)
                others.append(sock)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind((host, port))
            return port
        except OSError:
            continue
        finally:
            udp4.close()
            for sock in others:
                sock.close()
    raise RuntimeError("no free port found for UDP and TCP")


def wait_for(predicate, timeout: float, interval: float = 0.02):
    """Polls `predicate` until it returns something truthy (returned) or `timeout` passes (None)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            return None
        time.sleep(interval)


def stop_process(proc: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 10.0) -> int:
    """Sends `sig` to this one process (by PID), waits, kills it if it does not exit in time.
    Returns the exit code (negative for a signal, as subprocess reports it)."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    return proc.returncode


# ---------------------------------------------------------------------------------------------
# dig
# ---------------------------------------------------------------------------------------------


@dataclass
class Record:
    name: str
    ttl: int
    rclass: str
    rtype: str
    data: str

    def __str__(self):
        return f"{self.name} {self.ttl} {self.rclass} {self.rtype} {self.data}"


@dataclass
class DigResult:
    """The parsed text of one `dig` run (the last answer dig printed, e.g. after a TCP retry)."""

    args: list
    returncode: int
    text: str
    status: str | None = None
    id: int | None = None
    flags: set = field(default_factory=set)
    counts: dict = field(default_factory=dict)
    question: list = field(default_factory=list)
    answer: list = field(default_factory=list)
    authority: list = field(default_factory=list)
    additional: list = field(default_factory=list)
    edns_udp: int | None = None
    transport: str | None = None
    msg_size: int | None = None

    @property
    def timed_out(self) -> bool:
        return self.returncode == 9 or "timed out" in self.text and self.status is None

    @property
    def retried_over_tcp(self) -> bool:
        return "Truncated, retrying in TCP mode" in self.text

    def rdata(self, rtype: str | None = None) -> list:
        """The answer section's RDATA strings (of one type, if given), in answer order."""
        return [r.data for r in self.answer if rtype is None or r.rtype == rtype]

    def ttls(self, rtype: str | None = None) -> list:
        return [r.ttl for r in self.answer if rtype is None or r.rtype == rtype]

    def __str__(self):
        return f"$ {' '.join(self.args)}\n{self.text}"


SECTION = re.compile(r"^;; (QUESTION|ANSWER|AUTHORITY|ADDITIONAL) SECTION:$")


def parse_dig(args, returncode, text) -> DigResult:
    result = DigResult(args=args, returncode=returncode, text=text)
    # With a TCP retry dig prints a header per answer it got; keep the last one.
    blocks = text.split(";; Got answer:")
    last = blocks[-1] if len(blocks) > 1 else ""
    section = None
    for line in last.splitlines():
        if match := re.search(r"opcode: (\w+), status: (\w+), id: (\d+)", line):
            result.status, result.id = match.group(2), int(match.group(3))
            continue
        if line.startswith(";; flags:"):
            flag_part, _, count_part = line[len(";; flags:"):].partition(";")
            result.flags = set(flag_part.split())
            for name, value in re.findall(r"(\w+): (\d+)", count_part):
                result.counts[name] = int(value)
            continue
        if match := re.search(r"; EDNS: version: \d+, flags:[^;]*; udp: (\d+)", line):
            result.edns_udp = int(match.group(1))
            continue
        if match := re.search(r"^;; SERVER: .*\((UDP|TCP)\)", line):
            result.transport = match.group(1)
            continue
        if match := re.search(r"^;; MSG SIZE\s+rcvd: (\d+)", line):
            result.msg_size = int(match.group(1))
            continue
        if match := SECTION.match(line):
            section = match.group(1).lower()
            continue
        if not line.strip():
            section = None
            continue
        if section == "question":
            result.question.append(line.lstrip(";").split())
        elif section in ("answer", "authority", "additional") and not line.startswith(";"):
            parts = line.split(None, 4)
            record = Record(parts[0], int(parts[1]), parts[2], parts[3], parts[4] if len(parts) > 4 else "")
            getattr(result, section).append(record)
    return result


def dig(server: str, port: int, name: str, rtype: str = "A", *options: str, source: str | None = None,
        time_s: int = 2, tries: int = 1) -> DigResult:
    """Runs the real `dig` (no ~/.digrc) against server:port and parses its output."""
    args = ["dig", "-r", f"@{server}", "-p", str(port)]
    if source:
        args += ["-b", source]
    args += [name, rtype, f"+time={time_s}", f"+tries={tries}", *options]
    done = subprocess.run(args, capture_output=True, text=True, timeout=time_s * (tries + 2) + 10)
    return parse_dig(args, done.returncode, done.stdout + done.stderr)


# ---------------------------------------------------------------------------------------------
# unbound (the upstream)
# ---------------------------------------------------------------------------------------------

# The default upstream's data. `example.test` is a static zone with an SOA (MINIMUM 300), so its
# NXDOMAIN and NODATA answers carry the SOA and can be cached negatively.
BIG_COUNT = 100  # A records at big.example.test: about 1.7 kB, more than 512 and than 1232
UPSTREAM_ZONE = [
    'local-zone: "example.test." static',
    'local-data: "example.test. 300 IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300"',
    'local-data: "example.test. 300 IN NS ns.example.test."',
    'local-data: "www.example.test. 300 IN A 192.0.2.10"',
    'local-data: "www.example.test. 300 IN AAAA 2001:db8::10"',
    'local-data: "alias.example.test. 300 IN CNAME www.example.test."',
    "local-data: 'txt.example.test. 300 IN TXT \"hello from unbound\"'",
    'local-data: "short.example.test. 30 IN A 192.0.2.30"',
    *[f'local-data: "big.example.test. 300 IN A 192.0.2.{i}"' for i in range(1, BIG_COUNT + 1)],
    # "Public" answers for names a VPC with an ssm endpoint answers privately.
    'local-zone: "amazonaws.com." static',
    'local-data: "ssm.ap-northeast-1.amazonaws.com. 300 IN A 198.51.100.1"',
    'local-data: "foo.ssm.ap-northeast-1.amazonaws.com. 300 IN A 198.51.100.2"',
    'local-data: "ssmmessages.ap-northeast-1.amazonaws.com. 300 IN A 198.51.100.3"',
    # The default upstream's answer for names a forward rule sends elsewhere.
    'local-zone: "rule.test." static',
    'local-data: "rule.test. 300 IN SOA ns.rule.test. hostmaster.rule.test. 1 3600 600 86400 300"',
    'local-data: "www.rule.test. 300 IN A 192.0.2.100"',
    'local-data: "www.sys.rule.test. 300 IN A 192.0.2.101"',
]


class Unbound:
    """One unbound process on 127.0.0.1:port answering only from local data; logs every query."""

    def __init__(self, directory: Path, data: list, port: int | None = None):
        self.port = port or free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.config = directory / "unbound.conf"
        self.log = directory / "unbound.log"
        lines = [
            "server:",
            f"  interface: 127.0.0.1@{self.port}",
            f"  port: {self.port}",
            "  do-daemonize: no",
            '  chroot: ""',
            '  username: ""',
            '  pidfile: ""',
            f'  directory: "{directory}"',
            "  so-rcvbuf: 4m",
            "  access-control: 127.0.0.0/8 allow",
            "  num-threads: 1",
            "  use-syslog: no",
            '  logfile: ""',
            "  verbosity: 1",
            "  log-queries: yes",
            # Never recurse: everything is answered from local data, and any query unbound might
            # still send would leave from 127.0.0.1, which cannot reach beyond this host.
            '  module-config: "iterator"',
            "  outgoing-interface: 127.0.0.1",
            "  do-ip6: no",
            '  local-zone: "." static',
            *[f"  {line}" for line in data],
        ]
        self.config.write_text("\n".join(lines) + "\n")
        self.proc = None
        self.start()

    def start(self):
        check = subprocess.run(["unbound-checkconf", str(self.config)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        self._log_file = open(self.log, "ab")
        self.proc = subprocess.Popen(["unbound", "-d", "-c", str(self.config)], stdin=subprocess.DEVNULL,
                                     stdout=self._log_file, stderr=subprocess.STDOUT)
        ready = wait_for(lambda: self.proc.poll() is not None or self._answers(), timeout=10)
        assert ready and self.proc.poll() is None, f"unbound did not start:\n{self.log.read_text()}"

    def _answers(self) -> bool:
        return dig("127.0.0.1", self.port, "example.test", "SOA", time_s=1).status is not None

    def stop(self) -> int:
        code = stop_process(self.proc)
        self._log_file.close()
        return code

    def queries(self) -> list:
        """Every query unbound received, as 'name. TYPE' strings (lower case), from its log."""
        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            if match := re.search(r"info: \S+ (\S+) (\S+) IN$", line):
                found.append(f"{match.group(1).lower()} {match.group(2)}")
        return found

    def asked(self, name: str, rtype: str = "A") -> int:
        """How many times unbound was asked `name` (absolute, any case) for `rtype`."""
        return self.queries().count(f"{name.lower().rstrip('.')}. {rtype}")


# ---------------------------------------------------------------------------------------------
# vpcdns
# ---------------------------------------------------------------------------------------------


def vpcdns_binary() -> str:
    binary = os.environ.get("VPCDNS_BIN")
    if not binary:
        fallback = REPO / ".build" / "debug" / "vpcdns"
        if fallback.exists():
            binary = str(fallback)
    if not binary or not os.access(binary, os.X_OK):
        pytest.fail("set VPCDNS_BIN to the built vpcdns binary (make integration-test does), "
                    f"got {binary!r}", pytrace=False)
    return binary


def run_vpcdns(*args, timeout: float = 30) -> subprocess.CompletedProcess:
    """Runs a short-lived vpcdns command (check, zones, --version)."""
    return subprocess.run([vpcdns_binary(), *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


class Vpcdns:
    """One `vpcdns serve` process with stderr captured to a file."""

    READY = re.compile(r" info ready ")
    RELOADED = re.compile(r" notice reloaded ")
    RELOAD_FAILED = re.compile(r" error reload failed")

    def __init__(self, directory: Path, args: list, host: str, port: int, config: Path | None):
        self.directory = directory
        self.host = host
        self.port = port
        self.config = config
        self.stderr_path = directory / "vpcdns.stderr"
        self._stderr = open(self.stderr_path, "ab")
        self.args = [vpcdns_binary(), *args]
        self.proc = subprocess.Popen(self.args, cwd=directory, stdin=subprocess.DEVNULL,
                                     stdout=self._stderr, stderr=self._stderr)
        ready = wait_for(lambda: self.proc.poll() is not None or self.READY.search(self.stderr_text()), timeout=15)
        if not ready or self.proc.poll() is not None:
            text = self.stderr_text()
            stop_process(self.proc)
            pytest.fail(f"vpcdns did not become ready ({' '.join(self.args)}):\n{text}", pytrace=False)
        self.expected_exit = 0

    def stderr_text(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def dig(self, name: str, rtype: str = "A", *options: str, server: str | None = None, **kwargs) -> DigResult:
        return dig(server or self.host, self.port, name, rtype, *options, **kwargs)

    def reload(self, timeout: float = 10) -> str:
        """SIGHUP, then waits for the daemon to log the outcome: 'reloaded' or 'failed'."""
        def count(pattern):
            return len(pattern.findall(self.stderr_text()))
        before_ok, before_failed = count(self.RELOADED), count(self.RELOAD_FAILED)
        self.proc.send_signal(signal.SIGHUP)

        def outcome():
            if count(self.RELOADED) > before_ok:
                return "reloaded"
            if count(self.RELOAD_FAILED) > before_failed:
                return "failed"
            if self.proc.poll() is not None:
                return "exited"
            return None
        result = wait_for(outcome, timeout)
        assert result, f"no reload outcome logged within {timeout}s:\n{self.stderr_text()}"
        return result

    def send_stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM) -> int:
        code = stop_process(self.proc, sig)
        self._stderr.close()
        return code


class Launcher:
    """Starts unbound and vpcdns processes for one test (or one module) and stops them all, by
    PID, at teardown; a vpcdns that does not exit 0 on SIGTERM fails the test."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.unbounds: list = []
        self.daemons: list = []
        self.counter = 0

    def _subdir(self, prefix: str) -> Path:
        self.counter += 1
        path = self.directory / f"{prefix}{self.counter}"
        path.mkdir(parents=True)
        return path

    def unbound(self, data: list | None = None, extra: list | None = None) -> Unbound:
        server = Unbound(self._subdir("unbound"), (UPSTREAM_ZONE if data is None else data) + (extra or []))
        self.unbounds.append(server)
        return server

    def vpcdns(self, template: str | None, files: dict | None = None, host: str = "127.0.0.1",
               port: int | None = None, args: list | None = None, **values) -> Vpcdns:
        """Writes `template` (string.Template: $PORT, $UPSTREAM and any `values`) as vpcdns.yaml
        and `files` (relative path -> text) beside it, and serves it. With `template` None, runs
        `vpcdns serve` with `args` only (the embedded config)."""
        directory = self._subdir("vpcdns")
        port = port or free_port()
        config = None
        if template is not None:
            config = directory / "vpcdns.yaml"
            write_config(directory, template, files, PORT=port, **values)
            args = ["serve", "--config", str(config), *(args or [])]
        daemon = Vpcdns(directory, args or [], host, port, config)
        self.daemons.append(daemon)
        return daemon

    def close(self):
        problems = []
        for daemon in self.daemons:
            daemon.send_stop()  # all at once: each drains for a second
        for daemon in self.daemons:
            code = daemon.stop()
            if daemon.expected_exit is not None and code != daemon.expected_exit:
                problems.append(f"vpcdns exited {code} on SIGTERM (expected {daemon.expected_exit}):\n"
                                f"{daemon.stderr_text()[-3000:]}")
        for server in self.unbounds:
            server.stop()
        assert not problems, "\n".join(problems)


def write_config(directory: Path, template: str, files: dict | None = None, **values) -> Path:
    """Writes vpcdns.yaml from `template` and the extra files into `directory`."""
    for relative, text in (files or {}).items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    config = directory / "vpcdns.yaml"
    config.write_text(string.Template(template).substitute({key: str(value) for key, value in values.items()}))
    return config


@pytest.fixture(scope="session", autouse=True)
def _tools():
    for tool in ("dig", "unbound", "unbound-checkconf"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (scripts/install-deps.sh installs it)", pytrace=False)


@pytest.fixture
def launcher(tmp_path):
    """Per-test processes."""
    launch = Launcher(tmp_path)
    yield launch
    launch.close()


@pytest.fixture(scope="module")
def module_launcher(tmp_path_factory, request):
    """Processes shared by the tests of one module (read-only tests of one config)."""
    launch = Launcher(tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]))
    yield launch
    launch.close()


@pytest.fixture
def unbound_upstream(launcher) -> Unbound:
    """An unbound on 127.0.0.1:<free port> serving the `example.test` test zone."""
    return launcher.unbound()


@pytest.fixture
def vpcdns(launcher, unbound_upstream):
    """Factory: `vpcdns(template, files=None, **values)` serves the config with $PORT (its own
    port) and $UPSTREAM (the test unbound's address) filled in."""
    def start(template: str, files: dict | None = None, **values) -> Vpcdns:
        values.setdefault("UPSTREAM", unbound_upstream.address)
        return launcher.vpcdns(template, files, **values)
    return start


# ---------------------------------------------------------------------------------------------
# Shared config pieces
# ---------------------------------------------------------------------------------------------

# One VPC whose CIDRs include the loopback block 127.0.0.16/28 (clients `dig -b 127.0.0.17`) and
# which has an ssm interface endpoint with private DNS in two AZs.
SSM_ENDPOINT = """\
      - id: vpce-0f3a8c21d47b95e6a
        service: com.amazonaws.ap-northeast-1.ssm
        dns_suffix: q2k7x9mb
        private_dns: true
        interfaces:
          - { az: ap-northeast-1a, ipv4: 10.10.1.10 }
          - { az: ap-northeast-1c, ipv4: 10.10.2.10 }
"""

VPC_CLIENT = "127.0.0.17"   # inside 127.0.0.16/28, the example VPC's loopback block
NO_VPC_CLIENT = "127.0.0.1"  # in `allow`, in no VPC

SSM_NAME = "ssm.ap-northeast-1.amazonaws.com"
SSM_IPS = {"10.10.1.10", "10.10.2.10"}
SSM_REGIONAL = "vpce-0f3a8c21d47b95e6a-q2k7x9mb.ssm.ap-northeast-1.vpce.amazonaws.com"
SSM_ZONAL_1A = "vpce-0f3a8c21d47b95e6a-q2k7x9mb-ap-northeast-1a.ssm.ap-northeast-1.vpce.amazonaws.com"
SSM_ZONAL_1C = "vpce-0f3a8c21d47b95e6a-q2k7x9mb-ap-northeast-1c.ssm.ap-northeast-1.vpce.amazonaws.com"

BASIC_CONFIG = """\
listen: ["127.0.0.1:$PORT"]
upstreams: ["$UPSTREAM"]
allow: ["127.0.0.0/8"]
upstream_timeout_ms: 500
upstream_tries: 1
vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: ap-northeast-1
    cidrs: ["10.10.0.0/16", "127.0.0.16/28"]
    enable_dns_support: true
    enable_dns_hostnames: true
    endpoints:
""" + SSM_ENDPOINT

# BASIC_CONFIG with a private zone file, zones/corp.test.zone holding CORP_ZONE.
CORP_ZONE_CONFIG = BASIC_CONFIG + """\
    zones:
      - zones/corp.test.zone
"""

CORP_ZONE = """\
$ORIGIN corp.test.
$TTL 300
@    IN SOA ns.corp.test. hostmaster.corp.test. 1 7200 900 1209600 60
@    IN NS  ns.corp.test.
ns   IN A   10.10.3.2
web  IN A   10.10.3.20
"""
