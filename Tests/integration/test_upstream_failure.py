"""Upstream failure (DESIGN invariants, AWS-DNS-RULES 6.5): when no upstream answers, the client
gets SERVFAIL within the configured timeout, never silence; local names keep answering."""

import socket
import time

import pytest

from conftest import SSM_ENDPOINT, SSM_IPS, SSM_NAME, VPC_CLIENT, free_port

CONFIG = """\
listen: ["127.0.0.1:$PORT"]
upstreams: ["$UPSTREAM"]
allow: ["127.0.0.0/8"]
upstream_timeout_ms: 400
upstream_tries: 2
vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: ap-northeast-1
    cidrs: ["10.10.0.0/16", "127.0.0.16/28"]
    enable_dns_hostnames: true
    endpoints:
""" + SSM_ENDPOINT


@pytest.fixture
def blackhole():
    """A loopback UDP and TCP port that accepts packets and never answers."""
    port = free_port()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    udp.bind(("127.0.0.1", port))
    tcp.bind(("127.0.0.1", port))
    tcp.listen(16)
    yield f"127.0.0.1:{port}"
    udp.close()
    tcp.close()


def timed_dig(daemon, *args, **kwargs):
    start = time.monotonic()
    result = daemon.dig(*args, time_s=8, **kwargs)
    return result, time.monotonic() - start


def test_silent_upstream_gives_servfail_after_the_timeout(launcher, blackhole):
    daemon = launcher.vpcdns(CONFIG, UPSTREAM=blackhole)
    result, elapsed = timed_dig(daemon, "www.example.test")
    assert result.status == "SERVFAIL", result
    assert result.flags >= {"qr", "rd", "ra"} and result.answer == [], result
    # 2 tries of 400 ms; dig would have waited 8 s. Generous: the point is "an answer, not silence".
    assert elapsed < 5, f"SERVFAIL took {elapsed:.1f}s"
    # Local data does not depend on the upstream.
    local = daemon.dig(SSM_NAME, source=VPC_CLIENT)
    assert local.status == "NOERROR" and set(local.rdata("A")) == SSM_IPS, local


def test_closed_upstream_port_gives_servfail(launcher):
    daemon = launcher.vpcdns(CONFIG, UPSTREAM=f"127.0.0.1:{free_port()}")
    for transport in ([], ["+tcp"]):
        result, elapsed = timed_dig(daemon, "www.example.test", "A", *transport)
        assert result.status == "SERVFAIL", result
        assert elapsed < 5, f"SERVFAIL took {elapsed:.1f}s"


def test_no_upstreams_at_all_is_servfail_for_names_not_local(launcher):
    """`upstreams: []` (air-gapped): nothing to forward to, every non-local name fails at once."""
    daemon = launcher.vpcdns(CONFIG.replace('["$UPSTREAM"]', "[]"))
    result, elapsed = timed_dig(daemon, "www.example.test")
    assert result.status == "SERVFAIL", result
    assert elapsed < 5
    assert daemon.dig(SSM_NAME, source=VPC_CLIENT).status == "NOERROR"
