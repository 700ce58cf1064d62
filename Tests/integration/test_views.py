"""Views (DESIGN data flow, AWS-DNS-RULES 1.2, 3.2): the VPC a query belongs to is chosen by the
listener address it arrived on, else by the client's source address; clients outside `allow` and
every VPC get REFUSED; a VPC with enable_dns_support false gets no answer at all."""

import socket
import struct
from types import SimpleNamespace

import pytest

from conftest import SSM_NAME

CONFIG = """\
listen: ["127.0.0.2:$PORT"]
upstreams: ["$UPSTREAM"]
allow: ["127.0.0.1/32"]
upstream_timeout_ms: 400
upstream_tries: 1
vpcs:
  - id: vpc-0aaaaaaa
    region: ap-northeast-1
    cidrs: ["10.10.0.0/16", "127.0.0.16/28"]
    enable_dns_hostnames: true
    endpoints:
      - id: vpce-0aaaaaaaaaaaaaaa1
        service: com.amazonaws.ap-northeast-1.ssm
        dns_suffix: aaaaaaa1
        private_dns: true
        interfaces:
          - { az: ap-northeast-1a, ipv4: 10.10.1.10 }
          - { az: ap-northeast-1c, ipv4: 10.10.2.10 }
  - id: vpc-0bbbbbbb
    region: ap-northeast-1
    cidrs: ["10.20.0.0/16", "127.0.0.32/28"]
    listen: ["127.0.0.3:$PORT"]
    enable_dns_hostnames: true
    endpoints:
      - id: vpce-0bbbbbbbbbbbbbbb1
        service: com.amazonaws.ap-northeast-1.ssm
        dns_suffix: bbbbbbb1
        private_dns: true
        interfaces:
          - { az: ap-northeast-1a, ipv4: 10.20.1.10 }
  - id: vpc-0ccccccc
    region: ap-northeast-1
    cidrs: ["10.30.0.0/16", "127.0.0.48/28"]
    enable_dns_support: false
    enable_dns_hostnames: false
"""

VPC_A = {"10.10.1.10", "10.10.2.10"}
VPC_B = {"10.20.1.10"}
PUBLIC = {"198.51.100.1"}

MAIN, VPC_B_LISTENER = "127.0.0.2", "127.0.0.3"


@pytest.fixture(scope="module")
def served(module_launcher):
    upstream = module_launcher.unbound()
    daemon = module_launcher.vpcdns(CONFIG, host=MAIN, UPSTREAM=upstream.address)
    return SimpleNamespace(upstream=upstream, daemon=daemon)


def ssm_answer(served, server, source, *options):
    result = served.daemon.dig(SSM_NAME, "A", *options, server=server, source=source)
    assert result.status == "NOERROR", result
    return set(result.rdata("A"))


@pytest.mark.parametrize("source, expected", [("127.0.0.17", VPC_A), ("127.0.0.30", VPC_A),
                                              ("127.0.0.33", VPC_B), ("127.0.0.1", PUBLIC)],
                         ids=["vpc-a", "vpc-a-last", "vpc-b", "no-vpc"])
def test_view_by_source_address(served, source, expected):
    assert ssm_answer(served, MAIN, source) == expected


@pytest.mark.parametrize("source", ["127.0.0.1", "127.0.0.17"], ids=["no-vpc-client", "vpc-a-client"])
def test_view_by_listener_address_wins(served, source):
    """Queries to VPC B's own listener see VPC B, whoever sends them (like VPC base + 2)."""
    assert ssm_answer(served, VPC_B_LISTENER, source) == VPC_B
    assert ssm_answer(served, VPC_B_LISTENER, source, "+tcp") == VPC_B


@pytest.mark.parametrize("transport", [[], ["+tcp"]], ids=["udp", "tcp"])
@pytest.mark.parametrize("name", [SSM_NAME, "www.example.test"], ids=["local-name", "forwarded-name"])
def test_client_outside_allow_and_every_vpc_is_refused(served, name, transport):
    before = served.upstream.asked(name)
    result = served.daemon.dig(name, "A", *transport, source="127.0.0.9")
    assert result.status == "REFUSED", result
    assert result.answer == [], result
    assert served.upstream.asked(name) == before


@pytest.mark.parametrize("name", [SSM_NAME, "www.example.test"], ids=["local-name", "forwarded-name"])
def test_vpc_without_dns_support_gets_no_answer(served, name):
    result = served.daemon.dig(name, source="127.0.0.49", time_s=1, tries=1)
    assert result.timed_out and result.status is None, result
    assert served.daemon.alive()
    # Everyone else is still served.
    assert ssm_answer(served, MAIN, "127.0.0.17") == VPC_A


# Packets an allowed client gets FORMERR or NOTIMP for (see test_malformed.py).
HOSTILE = {
    "pointer-loop": b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01",
    "question-cut-short": b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07exa",
    "two-questions": b"\x12\x34\x01\x00\x00\x02\x00\x00\x00\x00\x00\x00\x01a\x00\x00\x01\x00\x01\x01b\x00\x00\x01\x00\x01",
    "opcode-update": b"\x12\x34\x28\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x00\x00\x06\x00\x01",
    "answer-count-lies": b"\x12\x34\x01\x00\x00\x01\x00\x05\x00\x00\x00\x00\x01a\x00\x00\x01\x00\x01",
}


@pytest.mark.parametrize("payload", list(HOSTILE.values()), ids=list(HOSTILE))
def test_outsiders_learn_nothing_from_malformed_packets(served, payload):
    """The access check comes before any decoding: an outsider's malformed or unsupported packet
    gets no answer (or REFUSED), never FORMERR or NOTIMP; an allowed client gets the error."""
    def send(source):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind((source, 0))
            sock.settimeout(0.5)
            sock.sendto(payload, (MAIN, served.daemon.port))
            try:
                return sock.recvfrom(4096)[0]
            except socket.timeout:
                return None

    outside = send("127.0.0.9")
    assert outside is None or struct.unpack("!H", outside[2:4])[0] & 0xF == 5, outside  # REFUSED
    inside = send("127.0.0.1")
    assert inside is not None and struct.unpack("!H", inside[2:4])[0] & 0xF in (1, 4), inside  # FORMERR, NOTIMP
    assert served.daemon.alive()
