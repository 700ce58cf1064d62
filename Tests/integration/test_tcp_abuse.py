"""TCP under abuse: connections that sit idle or trickle bytes (slowloris) cannot lock legitimate
TCP clients out (a full table closes its longest-idle connection, as unbound and Knot do);
pipelining clients that never read cannot grow memory without bound; TCP load of any kind
holds one thread, so the thread count stays small and UDP keeps being answered."""

import random
import select
import socket
import struct
import threading
import time

import dns.message
import dns.rcode
import pytest

from conftest import BASIC_CONFIG, SSM_REGIONAL
from procstat import rss_kib, threads

CONFIG = BASIC_CONFIG.replace('allow: ["127.0.0.0/8"]', 'allow: ["127.0.0.0/8"]\ntcp:\n  idle_timeout_ms: 10000')

# Limits this test states (a debug build; the numbers before the fix in parentheses):
MAX_THREADS = 24          # (204-257 with 200-256 busy connections)
MAX_RSS_GROWTH_MIB = 16   # 200 pipelining clients that read nothing (+20.6 MiB; 140 MB in a longer run)


def frame(name, ident):
    wire = dns.message.make_query(name, "A", id=ident).to_wire()
    return struct.pack("!H", len(wire)) + wire


def tcp_query(host, port, name, ident, source="127.0.0.1"):
    """One query on a new connection; the response or None if the connection was closed."""
    with socket.create_connection((host, port), timeout=5, source_address=(source, 0)) as sock:
        sock.sendall(frame(name, ident))
        buffer = b""
        while len(buffer) < 2 or len(buffer) < 2 + struct.unpack("!H", buffer[:2])[0]:
            try:
                chunk = sock.recv(65535)
            except (ConnectionResetError, socket.timeout):
                return None
            if not chunk:
                return None
            buffer += chunk
        return dns.message.from_wire(buffer[2:2 + struct.unpack("!H", buffer[:2])[0]])


def udp_queries(host, port, names, tries=3, timeout=2.0):
    """Asks every name over UDP (retrying a lost datagram); returns how many got an answer."""
    answered = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.connect((host, port))
        for index, name in enumerate(names):
            ident = index & 0xFFFF
            query = dns.message.make_query(name, "A", id=ident).to_wire()
            for _ in range(tries):
                sock.send(query)
                try:
                    while True:
                        response = dns.message.from_wire(sock.recv(65535))
                        if response.id == ident:
                            break
                except socket.timeout:
                    continue
                answered += 1
                break
    return answered


def udp_burst(host, port, names, rate=2000, wait_s=10.0):
    """Sends every name once over UDP at `rate` per second without waiting for answers (as a
    busy client population would), then collects answers until all came or `wait_s` passed
    after the last send; returns how many distinct queries were answered. Nothing is resent."""
    answered = set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.connect((host, port))
        sock.setblocking(False)

        def collect():
            while True:
                try:
                    answered.add(dns.message.from_wire(sock.recv(65535)).id)
                except BlockingIOError:
                    return

        start = time.monotonic()
        for index, name in enumerate(names):
            sock.send(dns.message.make_query(name, "A", id=index).to_wire())
            collect()
            pause = start + (index + 1) / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        deadline = time.monotonic() + wait_s
        while len(answered) < len(names) and time.monotonic() < deadline:
            select.select([sock], [], [], 0.1)
            collect()
    return len(answered)


class Sampler:
    """Samples the daemon's thread count and RSS every 50 ms in the background."""

    def __init__(self, pid):
        self.pid, self.max_threads, self.max_rss = pid, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            self.max_threads = max(self.max_threads, threads(self.pid))
            self.max_rss = max(self.max_rss, rss_kib(self.pid))
            time.sleep(0.05)

    def stop(self):
        self._stop.set()
        self._thread.join()
        return self


@pytest.mark.parametrize("kind", ["idle", "slowloris"])
def test_connections_holding_the_table_do_not_lock_out_a_legit_client(vpcdns, kind):
    daemon = vpcdns(CONFIG)
    pid = daemon.proc.pid
    sampler = Sampler(pid)
    attackers = []
    try:
        # 256 connections (the default cap) from eight addresses, 32 each: under the per-client cap.
        for index in range(256):
            sock = socket.create_connection((daemon.host, daemon.port), timeout=5,
                                            source_address=(f"127.0.0.{2 + index % 8}", 0))
            attackers.append(sock)
            if kind == "slowloris":
                sock.send(b"\x00")  # the first byte of a length prefix, and nothing more
        time.sleep(0.3)
        answered = 0
        for ident in range(40):
            if kind == "slowloris":
                for sock in attackers[ident::40]:
                    try:
                        sock.send(b"\x00")
                    except OSError:
                        pass
            response = tcp_query(daemon.host, daemon.port, SSM_REGIONAL, ident)
            if response is not None and response.id == ident and response.rcode() == dns.rcode.NOERROR:
                answered += 1
        assert answered == 40, f"{answered} of 40 legit TCP queries answered"
    finally:
        for sock in attackers:
            sock.close()
        sampler.stop()
    print(f"{kind}: {answered} of 40 answered, at most {sampler.max_threads} threads")
    assert sampler.max_threads <= MAX_THREADS, sampler.max_threads
    assert daemon.alive()


def test_pipelining_clients_that_never_read_stay_bounded_and_udp_is_answered(vpcdns):
    daemon = vpcdns(CONFIG)
    pid = daemon.proc.pid
    assert daemon.dig(SSM_REGIONAL).status == "NOERROR"
    before = rss_kib(pid)
    sampler = Sampler(pid)
    # 200 clients, each writing up to 10,000 pipelined queries for a local name and reading nothing.
    pipeline = b"".join(frame(SSM_REGIONAL, i) for i in range(10000))
    clients = []
    for index in range(200):
        sock = socket.create_connection((daemon.host, daemon.port), timeout=5,
                                        source_address=(f"127.0.0.{2 + index % 50}", 0))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        clients.append([sock, 0])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(sent < len(pipeline) for _, sent in clients):
        _, writable, _ = select.select([], [c[0] for c in clients if c[1] < len(pipeline)], [], 0.2)
        for client in clients:
            if client[0] in writable:
                try:
                    client[1] += client[0].send(pipeline[client[1]:client[1] + 65536])
                except (BlockingIOError, OSError):
                    pass
    try:
        # Meanwhile UDP clients are answered, local names and forwarded ones alike.
        names = [SSM_REGIONAL, "www.example.test"] * 250
        assert udp_queries(daemon.host, daemon.port, names) == len(names)
        legit = tcp_query(daemon.host, daemon.port, SSM_REGIONAL, 7)
        assert legit is not None and legit.rcode() == dns.rcode.NOERROR
    finally:
        for sock, _ in clients:
            sock.close()
        sampler.stop()
    growth_mib = (sampler.max_rss - before) / 1024
    print(f"non-reading pipeliners: RSS +{growth_mib:.1f} MiB, at most {sampler.max_threads} threads")
    assert growth_mib <= MAX_RSS_GROWTH_MIB, f"RSS grew {growth_mib:.1f} MiB"
    assert sampler.max_threads <= MAX_THREADS, sampler.max_threads
    assert daemon.alive()


def test_tcp_pipelining_load_does_not_starve_udp(vpcdns):
    """200 TCP clients pipelining (and reading) while a UDP client asks: every UDP query is
    answered, and TCP work holds one thread."""
    daemon = vpcdns(CONFIG)
    sampler = Sampler(daemon.proc.pid)
    stop = threading.Event()

    def tcp_client(index):
        pipeline = b"".join(frame(SSM_REGIONAL, i) for i in range(200))
        try:
            with socket.create_connection((daemon.host, daemon.port), timeout=5,
                                          source_address=(f"127.0.0.{2 + index % 50}", 0)) as sock:
                while not stop.is_set():
                    sock.sendall(pipeline)
                    received = 0
                    while received < len(pipeline) and not stop.is_set():
                        chunk = sock.recv(65536)
                        if not chunk:
                            return
                        received += len(chunk)  # replies are a little longer than the queries
        except OSError:
            return

    workers = [threading.Thread(target=tcp_client, args=(i,), daemon=True) for i in range(200)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(0.5)
        names = [SSM_REGIONAL, "www.example.test", f"n{random.randrange(1 << 30)}.example.test"] * 200
        assert udp_queries(daemon.host, daemon.port, names) == len(names)
        # 2,000 queries offered at 2,000 per second, each sent once: every one is answered.
        burst = [SSM_REGIONAL, "www.example.test"] * 1000
        answered = udp_burst(daemon.host, daemon.port, burst)
        assert answered == len(burst), f"{answered} of {len(burst)} UDP queries answered beside the TCP load"
    finally:
        stop.set()
        for worker in workers:
            worker.join(5)
        sampler.stop()
    print(f"pipelining readers: at most {sampler.max_threads} threads")
    assert sampler.max_threads <= MAX_THREADS, sampler.max_threads
    assert daemon.alive()


def open_answered(daemon, ident):
    """A new connection from 127.0.0.1 that got the answer to one query, left open."""
    sock = socket.create_connection((daemon.host, daemon.port), timeout=5, source_address=("127.0.0.1", 0))
    sock.sendall(frame(SSM_REGIONAL, ident))
    length = struct.unpack("!H", sock.recv(2, socket.MSG_WAITALL))[0]
    assert dns.message.from_wire(sock.recv(length, socket.MSG_WAITALL)).id == ident
    time.sleep(0.05)  # distinct idle ages: the oldest is the one closed for room
    return sock


def closed_by_daemon(sock):
    sock.settimeout(2)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def test_per_client_tcp_cap_comes_from_the_config_and_a_reload_raises_it(vpcdns):
    """tcp.max_connections_per_client: 2 closes the client's longest-idle connection for its
    third; after a reload to 3, a new connection leaves the open ones alone."""
    daemon = vpcdns(CONFIG.replace("idle_timeout_ms: 10000", "idle_timeout_ms: 10000\n  max_connections_per_client: 2"))
    sockets = [open_answered(daemon, ident) for ident in range(3)]
    try:
        assert closed_by_daemon(sockets[0]), "the first connection should make room for the third"
        assert not closed_by_daemon(sockets[1])
        config = daemon.config.read_text()
        daemon.config.write_text(config.replace("max_connections_per_client: 2", "max_connections_per_client: 3"))
        assert daemon.reload() == "reloaded", daemon.stderr_text()
        time.sleep(0.2)  # the new limits reach the TCP queue asynchronously
        sockets.append(open_answered(daemon, 3))
        assert not closed_by_daemon(sockets[1]), "at a cap of 3 the three open connections all stay"
        sockets[1].sendall(frame(SSM_REGIONAL, 4))
        assert struct.unpack("!H", sockets[1].recv(2, socket.MSG_WAITALL))[0] > 0
    finally:
        for sock in sockets:
            sock.close()
