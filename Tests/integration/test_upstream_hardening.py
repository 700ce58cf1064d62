"""The upstream side under a hostile or broken network: large answers from upstreams without TCP,
error answers, huge TTLs, records for other names, forged answers, floods of unique names against
slow and dead upstreams, and queries still waiting when the daemon stops."""

from __future__ import annotations

import random
import select
import socket
import struct
import threading
import time

import dns.message
import dns.rcode
import dns.flags
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest

from conftest import wait_for
from scripted_upstream import ScriptedUpstream, answer

CONFIG = """\
listen: ["127.0.0.1:$PORT"]
upstreams: [$UPSTREAMS]
allow: ["127.0.0.0/8"]
upstream_timeout_ms: $TIMEOUT
upstream_tries: 1
"""


@pytest.fixture
def scripted():
    servers = []

    def start(reply, tcp=True):
        server = ScriptedUpstream(reply, tcp=tcp)
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.stop()


def serve(launcher, *upstreams, timeout=1000, extra=""):
    quoted = ", ".join(f'"{u.address if hasattr(u, "address") else u}"' for u in upstreams)
    return launcher.vpcdns(CONFIG + extra, UPSTREAMS=quoted, TIMEOUT=timeout)


def wire(response: dns.message.Message) -> list:
    return [(0, response.to_wire(max_size=65535))]


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


# --- large answers and error answers -------------------------------------------------------------

def test_large_answer_from_an_upstream_without_tcp(launcher, scripted):
    """61 A records (995 bytes) over UDP from an upstream that has no TCP at all."""
    records = [f"big.test. 300 IN A 192.0.2.{i}" for i in range(1, 62)]
    upstream = scripted(lambda q, t: wire(answer(q, *records)), tcp=False)
    daemon = serve(launcher, upstream)
    result = daemon.dig("big.test", "A", "+bufsize=4096")
    assert result.status == "NOERROR", result
    assert len(result.rdata("A")) == 61
    assert upstream.names("tcp") == []


@pytest.mark.parametrize("rcode", ["FORMERR", "SERVFAIL", "NOTIMP"])
def test_error_answers_are_relayed_and_edns_stays_on(launcher, scripted, rcode):
    """An error answer without OPT is relayed after one query (c-ares 1.18 with EDNS would resend
    the query cut by 11 bytes and turn EDNS off); large answers still come over UDP afterwards."""
    records = [f"big.test. 300 IN A 192.0.2.{i}" for i in range(1, 62)]

    def reply(query, transport):
        if query.question[0].name.to_text().lower().startswith("error"):
            return wire(answer(query, rcode=dns.rcode.from_text(rcode), edns=False))
        return wire(answer(query, *records))
    upstream = scripted(reply, tcp=False)
    daemon = serve(launcher, upstream)
    result = daemon.dig("error.test", "A")
    assert result.status == rcode, result
    assert upstream.names() == ["error.test."], upstream.received
    for _ in range(3):
        assert len(daemon.dig("big.test", "A", "+bufsize=4096").rdata("A")) == 61
    assert upstream.names("tcp") == []


@pytest.mark.parametrize("first_rcode", ["SERVFAIL", "REFUSED"])
def test_error_from_the_first_upstream_asks_the_next(launcher, scripted, unbound_upstream, first_rcode):
    failing = scripted(lambda q, t: wire(answer(q, rcode=dns.rcode.from_text(first_rcode))))
    daemon = serve(launcher, failing, unbound_upstream, timeout=2000)
    result = daemon.dig("www.example.test", "A")
    assert result.status == "NOERROR", result
    assert result.rdata("A") == ["192.0.2.10"]
    assert failing.names() == ["www.example.test."]


def test_ttl_with_the_top_bit_set_counts_as_zero(launcher, scripted):
    upstream = scripted(lambda q, t: wire(answer(q, f"{q.question[0].name} 2147483648 IN A 192.0.2.7")))
    daemon = serve(launcher, upstream)
    first = daemon.dig("huge-ttl.test", "A")
    assert first.rdata("A") == ["192.0.2.7"]
    assert first.ttls("A") == [0]
    # Not cached for max_ttl: asked again.
    second = daemon.dig("huge-ttl.test", "A")
    assert second.ttls("A") == [0]
    assert upstream.names().count("huge-ttl.test.") == 2


def test_records_for_other_names_are_neither_relayed_nor_cached(launcher, scripted):
    def reply(query, transport):
        name = query.question[0].name.to_text().lower()
        if name == "victim.test.":
            return wire(answer(query, "victim.test. 300 IN CNAME real.victim.test.",
                               "real.victim.test. 300 IN A 192.0.2.8",
                               "bank.test. 3600 IN A 6.6.6.6",
                               additional=["ns.bank.test. 3600 IN A 6.6.6.6"],
                               authority=["bank.test. 3600 IN NS ns.bank.test."]))
        return wire(answer(query, f"{query.question[0].name} 300 IN A 192.0.2.9"))
    upstream = scripted(reply)
    daemon = serve(launcher, upstream)
    result = daemon.dig("victim.test", "A")
    assert [(r.name, r.rtype, r.data) for r in result.answer] == [
        ("victim.test.", "CNAME", "real.victim.test."), ("real.victim.test.", "A", "192.0.2.8")]
    assert result.authority == [] and result.additional == []
    for name in ("bank.test", "ns.bank.test"):
        assert daemon.dig(name, "A").rdata("A") == ["192.0.2.9"]
        assert f"{name}." in upstream.names()


def test_tcp_answer_that_fills_65535_bytes_is_not_truncated(launcher, scripted):
    """An upstream answer of 65,530 bytes: with our OPT added it would exceed a TCP message, and
    was sent as an empty TC answer; it goes out whole, without the OPT."""
    def big(query):
        # 12 header + 15 question + 300 TXT of 218 bytes (owner pointer, type, class, TTL,
        # length, string length, 205 bytes of text) + one TXT of 13 + 90 = 65,530 bytes.
        response = answer(query, edns=False)
        rrset = dns.rrset.RRset(query.question[0].name, dns.rdataclass.IN, dns.rdatatype.TXT)
        rrset.ttl = 300
        for index in range(300):
            rrset.add(dns.rdata.from_text("IN", "TXT", f'"{index:05d}{"x" * 200}"'))
        rrset.add(dns.rdata.from_text("IN", "TXT", f'"{"y" * 90}"'))
        response.answer = [rrset]
        return response

    def reply(query, transport):
        if transport == "udp":
            truncated = answer(query, edns=False)
            truncated.flags |= dns.flags.TC
            return wire(truncated)
        return wire(big(query))
    upstream = scripted(reply)
    daemon = serve(launcher, upstream, timeout=5000)
    result = daemon.dig("huge.test", "TXT", "+tcp", time_s=8)
    assert result.status == "NOERROR", result
    assert "tc" not in result.flags
    assert len(result.answer) > 200
    assert result.msg_size == 65_530


# --- forged answers ------------------------------------------------------------------------------

def test_forged_answers_from_the_upstreams_address_do_not_poison_the_cache(launcher, scripted):
    """An off-path forger who pinned vpcdns's upstream port with a slow query for its own name
    (whose authority it runs, so it sees that port) sends the victim name's answer with every
    possible ID to that port, then 65,536 more with random IDs to random ports, all from the
    upstream's address, while the real answer takes 3 s. Each query has its own random port
    (1024-65535), ID and case pattern, so 131,072 forgeries succeed with probability below
    131,072 / (65,536 x 64,512) = 3e-5 even ignoring the case: the client and the cache get only
    the real answer."""
    pinned_port = []

    def reply(query, transport):
        name = query.question[0].name.to_text().lower()
        if name.startswith("pin."):
            return []  # the forger's own server: never answers, so the query stays outstanding
        if name == "victim.example.test.":
            return [(3.0, answer(query, f"{query.question[0].name} 300 IN A 192.0.2.55").to_wire())]
        return wire(answer(query, f"{query.question[0].name} 300 IN A 192.0.2.1"))
    upstream = scripted(reply)
    daemon = serve(launcher, upstream, timeout=6000)

    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.settimeout(10)
    client.sendto(dns.message.make_query("pin.forger.test", "A").to_wire(), ("127.0.0.1", daemon.port))
    assert wait_for(lambda: upstream.source_ports(), 5)
    pinned_port.append(upstream.source_ports()[0])

    victim = dns.message.make_query("victim.example.test", "A")
    client.sendto(victim.to_wire(), ("127.0.0.1", daemon.port))
    assert wait_for(lambda: "victim.example.test." in upstream.names(), 5)

    forged = answer(dns.message.make_query("victim.example.test", "A"), "victim.example.test. 3600 IN A 6.6.6.6")
    template = bytearray(forged.to_wire())
    sent = 0
    rng = random.Random(11)
    for attempt in range(131_072):
        struct.pack_into("!H", template, 0, attempt & 0xFFFF if attempt < 65_536 else rng.randrange(65_536))
        port = pinned_port[0] if attempt < 65_536 else rng.randrange(1024, 65_536)
        try:
            upstream.udp.sendto(template, ("127.0.0.1", port))
            sent += 1
        except OSError:
            time.sleep(0.0005)
    assert sent > 120_000

    got = None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        data = client.recv(65535)
        message = dns.message.from_wire(data)
        if message.id == victim.id:
            got = message
            break
    assert got is not None, "no answer for the victim name"
    addresses = [item.address for rrset in got.answer for item in rrset]
    assert addresses == ["192.0.2.55"], f"forged answer taken: {got}"
    assert daemon.dig("victim.example.test", "A").rdata("A") == ["192.0.2.55"]
    client.close()


# --- floods and the stop -------------------------------------------------------------------------

def flood(port: int, count: int, rate: int, prefix: str, wait_s: float) -> tuple:
    """Sends `count` queries for unique names at about `rate` per second from one socket and
    collects responses until all came or `wait_s` after the last send. Returns id -> rcode, and
    each answer's arrival in seconds after the first send."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.setblocking(False)
    answers = {}
    arrivals = []
    start = time.monotonic()
    sent = 0

    def drain():
        while True:
            try:
                data = sock.recv(4096)
            except BlockingIOError:
                return
            (query_id,) = struct.unpack("!H", data[:2])
            answers[query_id] = data[3] & 0x0F
            arrivals.append(time.monotonic() - start)
    while sent < count:
        due = int((time.monotonic() - start) * rate) + 1
        while sent < min(due, count):
            query = dns.message.make_query(f"{prefix}{sent}.flood.test", "A", id=sent)
            try:
                sock.sendto(query.to_wire(), ("127.0.0.1", port))
                sent += 1
            except BlockingIOError:
                break
        drain()
        time.sleep(0.001)
    end = time.monotonic() + wait_s
    while len(answers) < count and time.monotonic() < end:
        select.select([sock], [], [], 0.05)
        drain()
    sock.close()
    return answers, arrivals


@pytest.mark.parametrize("upstream_kind", ["slow", "blackholed"])
def test_flood_of_unique_names_is_bounded_and_every_query_answered(launcher, scripted, upstream_kind):
    """6,000 unique names at 3,000 per second against an upstream that answers after 3 s or never,
    with the default limits: at most 1,024 wait upstream, the rest get SERVFAIL at once; all 6,000
    get an answer and the daemon stays under 100 MiB of RSS."""
    if upstream_kind == "slow":
        upstream = scripted(lambda q, t: [(3.0, answer(q, f"{q.question[0].name} 60 IN A 192.0.2.3").to_wire())])
        address = upstream.address
    else:
        hole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        hole.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{hole.getsockname()[1]}"
    daemon = serve(launcher, address, timeout=4000)
    peak = [0]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_kib(daemon.proc.pid))
            time.sleep(0.05)
    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        answers, arrivals = flood(daemon.port, 6000, 3000, "n", wait_s=8)
    finally:
        stop.set()
        sampler.join()
        if upstream_kind == "blackholed":
            hole.close()
    missing = 6000 - len(answers)
    assert missing == 0, f"{missing} of 6000 queries got no answer"
    assert peak[0] < 100 * 1024, f"RSS peaked at {peak[0]} KiB"
    servfails = sum(1 for rcode in answers.values() if rcode == 2)
    assert servfails >= 6000 - 1024
    # Nothing the upstream did can be answered before it answers (3 s) or times out (4 s): what
    # came before was over the limit and answered at once, not queued.
    first_possible = 3.0 if upstream_kind == "slow" else 4.0
    early = sum(1 for arrival in arrivals if arrival < first_possible - 0.1)
    assert early >= 6000 - 1024 - 100, f"only {early} answered before the upstream could have"
    assert daemon.alive()


def test_queries_waiting_at_stop_get_servfail(launcher, scripted):
    """500 UDP queries and 50 TCP queries (10 connections) wait on an upstream that takes 3 s;
    SIGTERM drains for 1 s, then every one of them gets SERVFAIL before the sockets close."""
    upstream = scripted(lambda q, t: [(3.0, answer(q, f"{q.question[0].name} 60 IN A 192.0.2.4").to_wire())])
    daemon = serve(launcher, upstream, timeout=5000)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    for index in range(500):
        udp.sendto(dns.message.make_query(f"u{index}.stop.test", "A", id=index).to_wire(), ("127.0.0.1", daemon.port))
    connections = [socket.create_connection(("127.0.0.1", daemon.port)) for _ in range(10)]
    for index in range(50):
        payload = dns.message.make_query(f"t{index}.stop.test", "A", id=index).to_wire()
        connections[index % 10].sendall(struct.pack("!H", len(payload)) + payload)
    assert wait_for(lambda: len(upstream.names()) >= 550, 10), len(upstream.names())
    daemon.send_stop()

    udp.settimeout(5)
    udp_answers = {}
    while len(udp_answers) < 500:
        try:
            data = udp.recv(4096)
        except socket.timeout:
            break
        message = dns.message.from_wire(data)
        udp_answers[message.id] = message.rcode()
    tcp_answers = {}
    for tcp in connections:
        tcp.settimeout(5)
        buffer = b""
        while True:
            try:
                chunk = tcp.recv(65535)
            except socket.timeout:
                break
            if not chunk:
                break
            buffer += chunk
            while len(buffer) >= 2 and len(buffer) >= 2 + struct.unpack("!H", buffer[:2])[0]:
                length = struct.unpack("!H", buffer[:2])[0]
                message = dns.message.from_wire(buffer[2:2 + length])
                tcp_answers[message.id] = message.rcode()
                buffer = buffer[2 + length:]
        tcp.close()
    assert daemon.stop() == 0
    assert len(udp_answers) == 500, f"{500 - len(udp_answers)} UDP queries got no answer"
    assert len(tcp_answers) == 50, f"{50 - len(tcp_answers)} TCP queries got no answer"
    assert set(udp_answers.values()) == {dns.rcode.SERVFAIL}
    assert set(tcp_answers.values()) == {dns.rcode.SERVFAIL}
