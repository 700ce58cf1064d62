"""The systemd watchdog and the stop under a flood of unique names against a black-holed (or a
slow) upstream, with vpcdns started as systemd starts it (NOTIFY_SOCKET and WATCHDOG_USEC naming a
test-owned notification socket): WATCHDOG=1 keeps coming within the watchdog timeout for the whole
flood and after it, and SIGTERM right after the flood exits 0 within the drain time plus a bound.

The upstreams are loopback sockets: nothing leaves the machine."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import dns.message
import pytest

from scripted_upstream import ScriptedUpstream, answer
from test_daemon_sd_notify import NotifySocket, free_port

BIN = os.environ.get("VPCDNS_BIN")
pytestmark = pytest.mark.skipif(not BIN or not Path(BIN).exists(), reason="VPCDNS_BIN is not a built vpcdns")

# systemd kills the service when no WATCHDOG=1 came for this long; vpcdns pings every half of it.
WATCHDOG_S = 4.0
# 5,000 unique names a second for 10 s: with the upstream's 4 s deadline, thousands of queries
# are waiting for most of the flood. A daemon whose upstream work grows with the waiting queries
# (c-ares's timeout scan after every event, no bound on them) falls behind here, its health check
# finds the upstream queue stuck, and the pings stop.
FLOOD_S = 10.0
FLOOD_QPS = 5000
# vpcdns's drain time (`serve`'s default).
DRAIN_S = 1.0
# What the stop may take beyond the drain: answering what still waits (at most
# max_pending_forwards.total = 4096 SERVFAILs), 0.5 s for TCP connections to write, and tearing
# down the c-ares channel are each well under a second even on a loaded machine; 5 s of slack on
# top of the drain stays far below the unit's TimeoutStopSec=15s, after which systemd kills.
STOP_BOUND_S = DRAIN_S + 5.0


def flood(port: int, seconds: float, rate: int, stop: threading.Event, counts: dict):
    """Sends unique names at about `rate` per second for `seconds` and reads whatever answers
    come; counts sent and answered."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.setblocking(False)
    # One wire template, its ID and the 8 digits of the first label patched per query.
    template = bytearray(dns.message.make_query("w00000000.flood.test", "A").to_wire())
    digits = template.index(b"00000000")
    start = time.monotonic()
    sent = answered = 0
    while not stop.is_set() and time.monotonic() - start < seconds:
        due = int((time.monotonic() - start) * rate) + 1
        while sent < due:
            template[0:2] = (sent & 0xFFFF).to_bytes(2, "big")
            template[digits:digits + 8] = b"%08d" % sent
            try:
                sock.sendto(template, ("127.0.0.1", port))
            except BlockingIOError:
                break
            sent += 1
        while True:
            try:
                sock.recv(4096)
            except BlockingIOError:
                break
            answered += 1
        time.sleep(0.002)
    counts.update(sent=sent, answered=answered)
    sock.close()


@pytest.mark.parametrize("upstream_kind", ["blackholed", "slow"])
def test_watchdog_pings_through_a_flood_and_sigterm_exits_promptly(tmp_path, upstream_kind):
    """A flood of unique names for FLOOD_S seconds against an upstream that never answers (a
    bound socket that is never read) or answers each query after 3 s."""
    hole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # bound, never read
    hole.bind(("127.0.0.1", 0))
    upstream_address = f"127.0.0.1:{hole.getsockname()[1]}"
    slow = None
    if upstream_kind == "slow":
        slow = ScriptedUpstream(lambda q, t: [(3.0, answer(q, f"{q.question[0].name} 60 IN A 192.0.2.3").to_wire())],
                                tcp=False)
        upstream_address = slow.address
    port = free_port()
    config = tmp_path / "vpcdns.yaml"
    config.write_text(f"""\
listen: ["127.0.0.1:{port}"]
upstreams: ["{upstream_address}"]
allow: ["127.0.0.0/8"]
upstream_timeout_ms: 2000
upstream_tries: 2
""")
    notify = NotifySocket(tmp_path)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("NOTIFY_", "LISTEN_", "WATCHDOG_", "JOURNAL_STREAM"))}
    env.update(SWIFT_BACKTRACE="enable=no", NOTIFY_SOCKET=notify.env_value,
               WATCHDOG_USEC=str(int(WATCHDOG_S * 1_000_000)))
    log_path = tmp_path / "vpcdns.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen([BIN, "serve", "--config", str(config)], env=env,
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log)

    def output():
        log.flush()
        return log_path.read_text(errors="replace")
    stop_flood = threading.Event()
    counts = {}
    flooder = None
    try:
        notify.wait_for("READY", "1", timeout=15)
        notify.wait_for("WATCHDOG", "1", timeout=WATCHDOG_S)
        flooder = threading.Thread(target=flood, args=(port, FLOOD_S, FLOOD_QPS, stop_flood, counts))
        flood_started = time.monotonic()
        flooder.start()
        pings = [flood_started]
        while flooder.is_alive():
            fields = notify.receive(0.2)
            if fields and fields.get("WATCHDOG") == "1":
                pings.append(notify.messages[-1][0])
        flood_ended = time.monotonic()
        # One more ping must come within the timeout after the flood, as systemd would wait.
        deadline = flood_ended + WATCHDOG_S
        while time.monotonic() < deadline:
            fields = notify.receive(deadline - time.monotonic())
            if fields and fields.get("WATCHDOG") == "1":
                pings.append(notify.messages[-1][0])
                break
        print(f"flood {counts}, ping gaps {[round(g, 2) for g in (b - a for a, b in zip(pings, pings[1:]))]}")
        assert counts.get("sent", 0) >= FLOOD_QPS * FLOOD_S / 2, counts
        gaps = [later - earlier for earlier, later in zip(pings, pings[1:])]
        # The watchdog's contract: no gap of WATCHDOG_USEC without WATCHDOG=1 (systemd would kill).
        assert pings[-1] > flood_ended - 0.5, (
            f"no WATCHDOG=1 within {WATCHDOG_S}s after the flood; pings at "
            f"{[round(p - flood_started, 2) for p in pings]}\n{output()[-3000:]}")
        assert max(gaps) < WATCHDOG_S, (
            f"watchdog gaps {[round(g, 2) for g in gaps]} (flood {counts})\n{output()[-3000:]}")
        # The pings come every half the timeout: with 1 s of slack, at least FLOOD_S / (WATCHDOG_S / 2 + 1).
        during = [p for p in pings[1:] if p <= flood_ended]
        assert len(during) >= int(FLOOD_S / (WATCHDOG_S / 2 + 1)), (len(during), gaps)

        assert proc.poll() is None, output()
        sent_stop = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(STOP_BOUND_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"no exit within {STOP_BOUND_S}s of SIGTERM after the flood\n{output()[-3000:]}")
        assert code == 0, output()[-3000:]
        assert time.monotonic() - sent_stop < STOP_BOUND_S
        if not any(fields.get("STOPPING") == "1" for _, fields in notify.messages):
            notify.wait_for("STOPPING", "1", timeout=1)
    finally:
        stop_flood.set()
        if flooder is not None:
            flooder.join(10)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
        notify.close()
        hole.close()
        if slow is not None:
            slow.stop()
