"""The real vpcdns talking to systemd's interfaces, without systemd: a test-owned NOTIFY_SOCKET
(a path and an abstract @name) receives READY=1, STATUS=, RELOADING=1 + MONOTONIC_USEC=,
STOPPING=1 and WATCHDOG=1; systemd-socket-activate passes it a UDP or a TCP socket (LISTEN_FDS)
that it serves.

Every config here forwards to a loopback port where nothing listens: nothing leaves the machine.
The daemon is VPCDNS_BIN (the Makefile passes the debug build)."""

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import dns.message
import dns.query
import dns.rdatatype
import pytest

BIN = os.environ.get("VPCDNS_BIN")
pytestmark = pytest.mark.skipif(not BIN or not Path(BIN).exists(), reason="VPCDNS_BIN is not a built vpcdns")

ENDPOINT_NAME = "ssm.ap-northeast-1.amazonaws.com"
VPCE_NAME = "vpce-0f3a8c21d47b95e6a-q2k7x9mb.ssm.ap-northeast-1.vpce.amazonaws.com"


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port")


def write_config(path, port, endpoint_ip="10.10.1.10", dead_port=None):
    # The upstream is a loopback port nobody listens on: never /etc/resolv.conf.
    dead_port = dead_port or free_port()
    path.write_text(f"""\
listen: ["127.0.0.1:{port}"]
upstreams: ["127.0.0.1:{dead_port}"]
upstream_timeout_ms: 200
upstream_tries: 1
vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: ap-northeast-1
    cidrs: ["10.10.0.0/16"]
    listen: ["127.0.0.1:{port}"]
    enable_dns_hostnames: true
    endpoints:
      - id: vpce-0f3a8c21d47b95e6a
        service: com.amazonaws.ap-northeast-1.ssm
        dns_suffix: q2k7x9mb
        private_dns: true
        interfaces:
          - {{ az: ap-northeast-1a, ipv4: {endpoint_ip} }}
""")


def a_records(port, name, tcp=False, timeout=2.0):
    query = dns.message.make_query(name, "A")
    send = dns.query.tcp if tcp else dns.query.udp
    answer = send(query, "127.0.0.1", port=port, timeout=timeout)
    return sorted(rr.address for rrset in answer.answer if rrset.rdtype == dns.rdatatype.A for rr in rrset)


class NotifySocket:
    """An AF_UNIX datagram socket standing in for systemd's notification socket."""

    def __init__(self, tmp_path, abstract=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = f"vpcdns-test-{uuid.uuid4().hex}"
            self.sock.bind("\0" + name)
            self.env_value = "@" + name
        else:
            path = str(tmp_path / "notify.sock")
            self.sock.bind(path)
            self.env_value = path
        self.messages = []  # (CLOCK_MONOTONIC at receipt, {key: value})

    def receive(self, timeout):
        """The next message, or None after timeout seconds."""
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return None
        fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
        message = (time.clock_gettime(time.CLOCK_MONOTONIC), fields)
        self.messages.append(message)
        return fields

    def wait_for(self, key, value=None, timeout=10.0):
        """Reads messages until one has key (with value); returns its fields."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            fields = self.receive(deadline - time.monotonic())
            if fields is not None and key in fields and (value is None or fields[key] == value):
                return fields
        raise AssertionError(f"no {key}={value or '*'} within {timeout}s; got {self.messages}")

    def close(self):
        self.sock.close()


class Daemon:
    def __init__(self, argv, env, log_path):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)

    def output(self):
        self.log.flush()
        return Path(self.log_path).read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture
def env_base():
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("NOTIFY_", "LISTEN_", "WATCHDOG_", "JOURNAL_STREAM"))}
    env["SWIFT_BACKTRACE"] = "enable=no"
    return env


@pytest.fixture
def started(tmp_path, env_base):
    """Starts vpcdns on a fresh port with a path NOTIFY_SOCKET; yields (daemon, notify, port, config)."""
    daemons = []
    sockets = []

    def start(abstract=False, extra_env=None):
        port = free_port()
        config = tmp_path / "vpcdns.yaml"
        write_config(config, port)
        notify = NotifySocket(tmp_path, abstract=abstract)
        sockets.append(notify)
        env = dict(env_base, NOTIFY_SOCKET=notify.env_value, **(extra_env or {}))
        daemon = Daemon([BIN, "serve", "--config", str(config)], env, tmp_path / "vpcdns.log")
        daemons.append(daemon)
        return daemon, notify, port, config

    yield start
    for daemon in daemons:
        daemon.stop()
    for notify in sockets:
        notify.close()


@pytest.mark.parametrize("abstract", [False, True], ids=["path", "abstract"])
def test_ready_only_when_listeners_answer(started, abstract):
    daemon, notify, port, _ = started(abstract=abstract)
    ready = notify.wait_for("READY", "1")
    # The very moment READY=1 arrives the listeners must answer, over UDP and TCP.
    assert a_records(port, ENDPOINT_NAME, timeout=1.0) == ["10.10.1.10"], daemon.output()
    assert a_records(port, ENDPOINT_NAME, tcp=True, timeout=1.0) == ["10.10.1.10"]
    assert a_records(port, VPCE_NAME) == ["10.10.1.10"]
    # STATUS= with a summary came with or before READY=1.
    statuses = [fields["STATUS"] for _, fields in notify.messages if "STATUS" in fields]
    assert statuses, notify.messages
    assert "1 VPC views" in statuses[-1] and "endpoint names" in statuses[-1] and "1 upstream servers" in statuses[-1]
    ready_index = next(i for i, (_, fields) in enumerate(notify.messages) if fields.get("READY") == "1")
    assert any("STATUS" in fields for _, fields in notify.messages[: ready_index + 1])
    assert ready.get("READY") == "1"
    # No WATCHDOG=1 without WATCHDOG_USEC.
    deadline = time.monotonic() + 0.7
    while time.monotonic() < deadline:
        notify.receive(deadline - time.monotonic())
    assert not [fields for _, fields in notify.messages if "WATCHDOG" in fields], notify.messages


def test_reload_reloading_monotonic_then_ready(started, tmp_path):
    daemon, notify, port, config = started()
    notify.wait_for("READY", "1")
    assert a_records(port, ENDPOINT_NAME) == ["10.10.1.10"]

    # A good config: RELOADING=1 with MONOTONIC_USEC= (CLOCK_MONOTONIC, µs), then READY=1.
    write_config(config, port, endpoint_ip="10.10.9.9")
    before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    daemon.proc.send_signal(signal.SIGHUP)
    reloading = notify.wait_for("RELOADING", "1")
    after = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    assert "MONOTONIC_USEC" in reloading, reloading
    stamp = int(reloading["MONOTONIC_USEC"])
    assert before <= stamp <= after, (before, stamp, after)
    notify.wait_for("READY", "1")
    assert a_records(port, ENDPOINT_NAME) == ["10.10.9.9"]
    assert "reload failed" not in notify.messages[-1][1].get("STATUS", "")

    # A broken config: RELOADING=1, READY=1 all the same, the old answers stay, the status says so.
    good = config.read_text()
    config.write_text(good.replace("region: ap-northeast-1", "region: ap-northeast-1\n    bogus_key: 1"))
    notify.messages.clear()
    daemon.proc.send_signal(signal.SIGHUP)
    notify.wait_for("RELOADING", "1")
    notify.wait_for("READY", "1")
    statuses = [fields["STATUS"] for _, fields in notify.messages if "STATUS" in fields]
    assert statuses and statuses[-1].startswith("reload failed"), notify.messages
    assert daemon.proc.poll() is None
    assert a_records(port, ENDPOINT_NAME) == ["10.10.9.9"]
    # The log names the file and line of the problem.
    assert f"{config}:" in daemon.output() and "bogus_key" in daemon.output(), daemon.output()


def test_stopping_on_sigterm_and_exit_0(started):
    daemon, notify, port, _ = started()
    notify.wait_for("READY", "1")
    daemon.proc.send_signal(signal.SIGTERM)
    notify.wait_for("STOPPING", "1")
    assert daemon.proc.wait(10) == 0, daemon.output()


@pytest.mark.parametrize("signal_number, expect", [(signal.SIGHUP, "RELOADING"), (signal.SIGTERM, "STOPPING")],
                         ids=["SIGHUP", "SIGTERM"])
def test_signal_right_after_ready_is_never_lost(tmp_path, env_base, signal_number, expect):
    """READY=1 means signals are handled: one sent the moment READY=1 arrives is acted on, every
    time (systemd may send SIGHUP or SIGTERM at once; a lost SIGTERM leaves `systemctl stop`
    waiting for its timeout). Dispatch signal sources used to lose about one in twenty."""
    for attempt in range(15):
        port = free_port()
        config = tmp_path / f"vpcdns-{attempt}.yaml"
        write_config(config, port)
        sock_dir = tmp_path / f"n{attempt}"
        sock_dir.mkdir()
        notify = NotifySocket(sock_dir)
        daemon = Daemon([BIN, "serve", "--config", str(config)], dict(env_base, NOTIFY_SOCKET=notify.env_value),
                        tmp_path / f"vpcdns-{attempt}.log")
        try:
            notify.wait_for("READY", "1")
            daemon.proc.send_signal(signal_number)
            notify.wait_for(expect, "1", timeout=3.0)
        finally:
            daemon.stop()
            notify.close()


def test_watchdog_pings_at_half_the_interval(started):
    daemon, notify, port, _ = started(extra_env={"WATCHDOG_USEC": "500000"})
    notify.wait_for("READY", "1")
    start = time.monotonic()
    pings = []
    while time.monotonic() - start < 2.0:
        fields = notify.receive(2.0 - (time.monotonic() - start))
        if fields and fields.get("WATCHDOG") == "1":
            pings.append(notify.messages[-1][0])
    # Every 0.25 s: about 8 in 2 s; well under the 0.5 s timeout between any two.
    assert len(pings) >= 6, (len(pings), notify.messages)
    gaps = [b - a for a, b in zip(pings, pings[1:])]
    assert max(gaps) < 0.45, gaps
    assert a_records(port, ENDPOINT_NAME) == ["10.10.1.10"]


def test_no_watchdog_for_another_pid(started):
    # WATCHDOG_PID names another process: systemd meant the watchdog for that one.
    daemon, notify, port, _ = started(extra_env={"WATCHDOG_USEC": "500000", "WATCHDOG_PID": "1"})
    notify.wait_for("READY", "1")
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        notify.receive(deadline - time.monotonic())
    assert not [fields for _, fields in notify.messages if "WATCHDOG" in fields], notify.messages


# Socket activation: systemd-socket-activate binds the address, passes the socket as fd 3 with
# LISTEN_FDS=1, LISTEN_PID and LISTEN_FDNAMES=dns, and starts the program only when the first
# datagram (or connection) arrives. It passes on only the variables named with -E.

activate = shutil.which("systemd-socket-activate")


def sockets_on(port, proto):
    """Lines of `ss` for sockets bound to 127.0.0.1:port (proto 'u' or 't', listening)."""
    out = subprocess.run(["ss", "-Hn" + proto + "l", f"sport = :{port}"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.strip()]


@pytest.mark.skipif(activate is None, reason="systemd-socket-activate is not installed")
@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_socket_activation_serves_passed_socket(tmp_path, env_base, transport):
    port = free_port()
    config = tmp_path / "vpcdns.yaml"
    # The config names the same address: vpcdns must serve the passed socket, not bind again.
    write_config(config, port)
    notify = NotifySocket(tmp_path)
    argv = [activate, "-l", f"127.0.0.1:{port}", "--fdname=dns"]
    if transport == "udp":
        argv.append("--datagram")
    argv += ["-E", f"NOTIFY_SOCKET={notify.env_value}", "-E", "SWIFT_BACKTRACE=enable=no",
             BIN, "serve", "--config", str(config)]
    daemon = Daemon(argv, env_base, tmp_path / "vpcdns.log")
    try:
        deadline = time.monotonic() + 5
        while not sockets_on(port, transport[0]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sockets_on(port, transport[0]), "systemd-socket-activate did not bind"
        assert not notify.messages and notify.receive(0.2) is None, "started before the first query"
        # The first query starts vpcdns and is itself answered (it waits in the passed socket).
        assert a_records(port, ENDPOINT_NAME, tcp=(transport == "tcp"), timeout=10.0) == ["10.10.1.10"], daemon.output()
        notify.wait_for("READY", "1")
        assert a_records(port, VPCE_NAME, tcp=(transport == "tcp")) == ["10.10.1.10"]
        # Still one socket of this kind on the port: the passed one (no second bind by vpcdns).
        assert len(sockets_on(port, transport[0])) == 1, sockets_on(port, transport[0])
        # The unset LISTEN_* did not leak a problem into the log.
        assert "cannot listen" not in daemon.output()
        daemon.proc.send_signal(signal.SIGTERM)
        notify.wait_for("STOPPING", "1")
        assert daemon.proc.wait(10) == 0, daemon.output()
    finally:
        daemon.stop()
        notify.close()
