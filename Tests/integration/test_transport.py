"""Transport with real dig (DESIGN invariants, AWS-DNS-RULES 7.2-7.3): UDP and TCP, IPv4 and IPv6,
EDNS answered with udp 4096, responses sized to the client (512 without EDNS, the advertised size
with it) with TC when cut, dig's TCP retry getting the full answer, TCP pipelining and framing."""

import os
import socket
import struct
import time
from types import SimpleNamespace

import dns.message
import dns.rcode
import pytest

from conftest import BIG_COUNT, SSM_REGIONAL, VPC_CLIENT

CONFIG = """\
listen: ["127.0.0.1:$PORT", "[::1]:$PORT"]
upstreams: ["$UPSTREAM"]
allow: ["127.0.0.0/8", "::1/128"]
upstream_timeout_ms: 1000
upstream_tries: 2
tcp:
  idle_timeout_ms: 500
vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: ap-northeast-1
    cidrs: ["10.10.0.0/16", "127.0.0.16/28"]
    enable_dns_hostnames: true
    endpoints:
      - id: vpce-0f3a8c21d47b95e6a
        service: com.amazonaws.ap-northeast-1.ssm
        dns_suffix: q2k7x9mb
        interfaces:
          - { az: ap-northeast-1a, ipv4: 10.10.1.10 }
          - { az: ap-northeast-1c, ipv4: 10.10.2.10 }
    zones:
      - zones/corp.test.zone
"""

ZONE = "\n".join([
    "$ORIGIN corp.test.",
    "$TTL 300",
    "@ IN SOA ns.corp.test. hostmaster.corp.test. 1 7200 900 1209600 60",
    "@ IN NS ns.corp.test.",
    "ns IN A 10.10.3.2",
    *[f"big IN A 10.10.9.{i}" for i in range(1, BIG_COUNT + 1)],
]) + "\n"

# The same large answer (BIG_COUNT A records, about 1.7 kB), once from a private zone (local) and
# once from the upstream (forwarded; unbound truncates it to vpcdns too, so c-ares retries on TCP).
BIG = {"local": ("big.corp.test", VPC_CLIENT), "forwarded": ("big.example.test", None)}


@pytest.fixture(scope="module")
def served(module_launcher):
    upstream = module_launcher.unbound()
    daemon = module_launcher.vpcdns(CONFIG, {"zones/corp.test.zone": ZONE}, UPSTREAM=upstream.address)
    return SimpleNamespace(upstream=upstream, daemon=daemon)


def test_udp_and_tcp_answer_the_same(served):
    udp = served.daemon.dig(SSM_REGIONAL, "A")
    tcp = served.daemon.dig(SSM_REGIONAL, "A", "+tcp")
    assert udp.transport == "UDP" and tcp.transport == "TCP", (udp, tcp)
    assert sorted(udp.rdata()) == sorted(tcp.rdata()) == ["10.10.1.10", "10.10.2.10"]
    assert udp.edns_udp == tcp.edns_udp == 4096


def test_ipv6_listener(served):
    result = served.daemon.dig("www.example.test", "AAAA", server="::1")
    assert result.status == "NOERROR" and result.rdata("AAAA") == ["2001:db8::10"], result
    result = served.daemon.dig(SSM_REGIONAL, "A", "+tcp", server="::1")
    assert result.transport == "TCP" and len(result.answer) == 2, result


def test_noedns_query_gets_no_opt(served):
    result = served.daemon.dig(SSM_REGIONAL, "A", "+noedns")
    assert result.status == "NOERROR" and len(result.answer) == 2, result
    assert result.edns_udp is None and "OPT PSEUDOSECTION" not in result.text, result


@pytest.mark.parametrize("kind", list(BIG))
def test_truncated_answer_makes_dig_retry_over_tcp_and_get_everything(served, kind):
    name, source = BIG[kind]
    result = served.daemon.dig(name, "A", source=source)  # dig offers EDNS 1232: too small
    assert result.retried_over_tcp, result
    assert result.transport == "TCP" and result.status == "NOERROR", result
    assert len(result.answer) == BIG_COUNT and "tc" not in result.flags, result


@pytest.mark.parametrize("kind", list(BIG))
def test_without_edns_the_answer_is_cut_at_512_with_tc(served, kind):
    name, source = BIG[kind]
    result = served.daemon.dig(name, "A", "+ignore", "+noedns", source=source)
    assert result.transport == "UDP" and "tc" in result.flags, result
    assert result.msg_size <= 512 and len(result.answer) < BIG_COUNT, result
    assert result.edns_udp is None, result


@pytest.mark.parametrize("kind", list(BIG))
def test_advertised_buffer_size_is_honoured(served, kind):
    name, source = BIG[kind]
    small = served.daemon.dig(name, "A", "+ignore", "+bufsize=1232", source=source)
    assert "tc" in small.flags and small.msg_size <= 1232, small
    assert small.edns_udp == 4096, small
    large = served.daemon.dig(name, "A", "+bufsize=4096", source=source)
    assert large.transport == "UDP" and not large.retried_over_tcp, large
    assert "tc" not in large.flags and len(large.answer) == BIG_COUNT, large
    assert 1232 < large.msg_size <= 4096, large


def test_buffer_sizes_below_512_count_as_512(served):
    """RFC 6891 6.2.5: a 130-byte answer fits although the client offered only 100 bytes."""
    result = served.daemon.dig(SSM_REGIONAL, "A", "+ignore", "+bufsize=100")
    assert "tc" not in result.flags and len(result.answer) == 2 and result.msg_size > 100, result


def test_truncation_keeps_rrsets_whole(served):
    """RFC 2181 9: an RRset that does not fit is left out entirely and TC is set."""
    result = served.daemon.dig("big.example.test", "A", "+ignore", "+noedns")
    assert "tc" in result.flags and result.answer == [], result
    assert result.status == "NOERROR", result


@pytest.mark.parametrize("kind", list(BIG))
def test_tcp_gets_the_full_answer_at_once(served, kind):
    name, source = BIG[kind]
    result = served.daemon.dig(name, "A", "+tcp", source=source)
    assert result.transport == "TCP" and not result.retried_over_tcp, result
    assert len(result.answer) == BIG_COUNT and "tc" not in result.flags, result


def frame(message):
    wire = message.to_wire()
    return struct.pack("!H", len(wire)) + wire


def read_frames(sock, count):
    buffer, frames = b"", []
    while len(frames) < count:
        chunk = sock.recv(65535)
        assert chunk, f"connection closed after {len(frames)} of {count} responses"
        buffer += chunk
        while len(buffer) >= 2 and len(buffer) >= 2 + struct.unpack("!H", buffer[:2])[0]:
            length = struct.unpack("!H", buffer[:2])[0]
            frames.append(dns.message.from_wire(buffer[2:2 + length]))
            buffer = buffer[2 + length:]
    return frames


def test_tcp_pipelining(served):
    queries = {
        0x0101: dns.message.make_query("www.example.test", "A", id=0x0101),      # forwarded
        0x0202: dns.message.make_query("big.example.test", "A", id=0x0202),      # forwarded, large
        0x0303: dns.message.make_query(SSM_REGIONAL, "A", id=0x0303),            # local
    }
    with socket.create_connection((served.daemon.host, served.daemon.port), timeout=5) as sock:
        sock.sendall(b"".join(frame(query) for query in queries.values()))  # one write, three frames
        responses = {response.id: response for response in read_frames(sock, 3)}
    assert set(responses) == set(queries)
    for ident, response in responses.items():
        assert response.rcode() == dns.rcode.NOERROR
        assert response.question == queries[ident].question
    assert [r.address for r in responses[0x0101].answer[0]] == ["192.0.2.10"]
    assert len(responses[0x0202].answer[0]) == BIG_COUNT
    assert sorted(r.address for r in responses[0x0303].answer[0]) == ["10.10.1.10", "10.10.2.10"]


def test_tcp_frames_split_across_writes(served):
    data = frame(dns.message.make_query(SSM_REGIONAL, "A", id=0x0404)) + \
        frame(dns.message.make_query("www.example.test", "AAAA", id=0x0505))
    with socket.create_connection((served.daemon.host, served.daemon.port), timeout=5) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for index in range(0, len(data), 7):
            sock.sendall(data[index:index + 7])
            time.sleep(0.005)
        responses = {response.id: response for response in read_frames(sock, 2)}
    assert set(responses) == {0x0404, 0x0505}
    assert [r.address for r in responses[0x0505].answer[0]] == ["2001:db8::10"]


def test_idle_tcp_connection_is_closed(served):
    """tcp.idle_timeout_ms is 500 here: an idle client is disconnected (generous wait)."""
    with socket.create_connection((served.daemon.host, served.daemon.port), timeout=5) as sock:
        sock.sendall(frame(dns.message.make_query(SSM_REGIONAL, "A", id=0x0606)))
        assert read_frames(sock, 1)[0].id == 0x0606
        start = time.monotonic()
        assert sock.recv(10) == b"", "the server sent data instead of closing"
        assert time.monotonic() - start < 4.5


def udp_sockets_on(port: int) -> int:
    """UDP sockets bound to 127.0.0.1:`port` in this network namespace."""
    wanted = f"0100007F:{port:04X}"
    with open("/proc/net/udp") as table:
        return sum(1 for line in table.readlines()[1:] if line.split()[1] == wanted)


def test_one_udp_socket_per_cpu_the_daemon_may_run_on(launcher, unbound_upstream):
    """SO_REUSEPORT sockets per address follow the CPUs in the affinity mask (taskset,
    CPUAffinity=), not every online CPU: a socket thread with no CPU of its own only splits the
    batches and adds wake-ups."""
    config = 'listen: ["127.0.0.1:$PORT"]\nupstreams: ["$UPSTREAM"]\nallow: ["127.0.0.0/8"]\n'
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})
    try:
        pinned = launcher.vpcdns(config, UPSTREAM=unbound_upstream.address)
    finally:
        os.sched_setaffinity(0, cpus)
    unpinned = launcher.vpcdns(config, UPSTREAM=unbound_upstream.address)
    assert udp_sockets_on(pinned.port) == 1
    assert udp_sockets_on(unpinned.port) == len(cpus)
    assert pinned.dig(SSM_REGIONAL).status == unpinned.dig(SSM_REGIONAL).status
