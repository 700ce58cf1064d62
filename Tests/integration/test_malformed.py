"""Hostile input at the door (DESIGN invariants: "never crash on input"): packets without a whole
header are dropped, a readable header with a bad body gets FORMERR with the same ID, unsupported
opcodes NOTIMP, EDNS versions other than 0 BADVERS; and the daemon answers normally afterwards."""

import random
import socket
import struct
from types import SimpleNamespace

import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import pytest

from conftest import BASIC_CONFIG, SSM_IPS, SSM_NAME, VPC_CLIENT


@pytest.fixture(scope="module")
def served(module_launcher):
    upstream = module_launcher.unbound()
    daemon = module_launcher.vpcdns(BASIC_CONFIG, UPSTREAM=upstream.address)
    return SimpleNamespace(upstream=upstream, daemon=daemon)


def udp(daemon, payload: bytes, timeout: float = 1.0):
    """Sends one datagram; returns the response bytes, or None when nothing came back in time."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(payload, (daemon.host, daemon.port))
        try:
            return sock.recvfrom(65535)[0]
        except socket.timeout:
            return None


def tcp(daemon, payload: bytes, timeout: float = 2.0):
    """Sends one length-framed message over a new TCP connection; returns the response or None."""
    with socket.create_connection((daemon.host, daemon.port), timeout=timeout) as sock:
        sock.sendall(struct.pack("!H", len(payload)) + payload)
        try:
            return read_frame(sock)
        except (socket.timeout, ConnectionError):
            return None


def read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def read_frame(sock):
    (length,) = struct.unpack("!H", read_exactly(sock, 2))
    return read_exactly(sock, length)


def header(response: bytes):
    """(id, QR, opcode, rcode low bits) of a response's header."""
    ident, flags = struct.unpack("!HH", response[:4])
    return ident, bool(flags & 0x8000), (flags >> 11) & 0xF, flags & 0xF


def assert_still_answers(daemon):
    result = daemon.dig(SSM_NAME, source=VPC_CLIENT)
    assert result.status == "NOERROR" and set(result.rdata("A")) == SSM_IPS, result
    assert daemon.alive()


@pytest.mark.parametrize("payload", [b"", b"\x12", b"\x12\x34\x01\x00\x00\x01", b"\x12\x34" + b"\x00" * 9],
                         ids=["empty", "1-byte", "6-bytes", "11-bytes"])
def test_shorter_than_a_header_gets_no_answer(served, payload):
    assert udp(served.daemon, payload, timeout=0.5) is None
    assert_still_answers(served.daemon)


def test_a_request_with_qr_set_is_dropped(served):
    query = dns.message.make_query("www.example.test", "A", id=0x4242)
    query.flags |= dns.flags.QR
    assert udp(served.daemon, query.to_wire(), timeout=0.5) is None
    assert_still_answers(served.daemon)


GARBAGE_BODIES = {
    "bad-label": b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + b"\xff" * 20,
    "question-cut-short": b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07exa",
    "more-questions-than-sent": dns.message.make_query("www.example.test", "A", id=0x1234).to_wire()[:2]
    + b"\x01\x00\x00\x03" + dns.message.make_query("www.example.test", "A").to_wire()[6:],
    "pointer-loop": b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01",
    "answer-count-lies": b"\x12\x34\x01\x00\x00\x01\x00\x05\x00\x00\x00\x00\x03www\x07example\x04test\x00\x00\x01\x00\x01",
}


@pytest.mark.parametrize("transport", ["udp", "tcp"])
@pytest.mark.parametrize("payload", list(GARBAGE_BODIES.values()), ids=list(GARBAGE_BODIES))
def test_garbage_body_with_a_readable_header_is_formerr_with_the_same_id(served, payload, transport):
    response = (udp if transport == "udp" else tcp)(served.daemon, payload)
    assert response is not None, "no answer"
    ident, qr, opcode, rcode = header(response)
    assert (ident, qr, opcode, rcode) == (0x1234, True, 0, dns.rcode.FORMERR)
    assert_still_answers(served.daemon)


def test_two_questions_is_formerr(served):
    query = dns.message.make_query("www.example.test", "A", id=0x2222)
    query.question.append(dns.message.make_query("txt.example.test", "TXT").question[0])
    response = dns.message.from_wire(udp(served.daemon, query.to_wire()))
    assert response.id == 0x2222 and response.flags & dns.flags.QR
    assert response.rcode() == dns.rcode.FORMERR
    assert_still_answers(served.daemon)


def test_opcode_update_is_notimp(served):
    query = dns.message.make_query("www.example.test", "SOA", id=0x3333)
    query.set_opcode(dns.opcode.UPDATE)
    response = dns.message.from_wire(udp(served.daemon, query.to_wire()))
    assert response.id == 0x3333 and response.opcode() == dns.opcode.UPDATE
    assert response.rcode() == dns.rcode.NOTIMP
    assert_still_answers(served.daemon)


def test_edns_version_1_is_badvers(served):
    query = dns.message.make_query("www.example.test", "A", id=0x4444, use_edns=1)
    response = dns.message.from_wire(udp(served.daemon, query.to_wire()))
    assert response.id == 0x4444
    assert response.rcode() == dns.rcode.BADVERS  # extended RCODE 16, carried in the OPT record
    assert response.edns == 0, "the response's OPT must say the version the server speaks"
    assert_still_answers(served.daemon)


@pytest.mark.parametrize("rdtype, rdclass, rcode", [("AXFR", "IN", dns.rcode.NOTIMP), ("A", "CH", dns.rcode.REFUSED)],
                         ids=["axfr", "chaos-class"])
def test_unsupported_questions(served, rdtype, rdclass, rcode):
    query = dns.message.make_query("www.example.test", rdtype, rdclass, id=0x5555)
    response = dns.message.from_wire(udp(served.daemon, query.to_wire()))
    assert response.id == 0x5555 and response.rcode() == rcode


def test_random_garbage_does_not_hurt(served):
    rng = random.Random(20240612)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _ in range(300):
            sock.sendto(bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 120))),
                        (served.daemon.host, served.daemon.port))
        # Valid headers with random bodies.
        for _ in range(300):
            body = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 80)))
            sock.sendto(struct.pack("!HHHHHH", rng.getrandbits(16), 0x0100, 1, rng.randrange(3), 0,
                                    rng.randrange(2)) + body, (served.daemon.host, served.daemon.port))
    with socket.create_connection((served.daemon.host, served.daemon.port), timeout=2) as sock:
        sock.sendall(bytes(rng.getrandbits(8) for _ in range(2000)))
    assert_still_answers(served.daemon)
