"""Per-source packet limit (AWS-DNS-RULES 7.1): packets over `rate_limit.packets_per_second` from
one source address are dropped silently; other sources are unaffected; the bucket refills."""

import socket
import time

import dns.message

from conftest import BASIC_CONFIG, SSM_REGIONAL

CONFIG = BASIC_CONFIG + """\
rate_limit:
  packets_per_second: 10
"""


def burst(daemon, source, count):
    """Sends `count` queries at once from `source`; returns how many were answered within 1 s."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((source, 0))
        for index in range(count):
            sock.sendto(dns.message.make_query(SSM_REGIONAL, "A", id=index).to_wire(), (daemon.host, daemon.port))
        answered = set()
        sock.settimeout(1.0)
        try:
            while True:
                answered.add(dns.message.from_wire(sock.recvfrom(65535)[0]).id)
        except socket.timeout:
            pass
        return len(answered)


def test_excess_packets_from_one_source_are_dropped(vpcdns):
    daemon = vpcdns(CONFIG)
    answered = burst(daemon, "127.0.0.40", 100)
    # 10 per second with a burst of 10: far fewer than 100 (generous bound for a slow machine).
    assert 5 <= answered <= 40, answered
    # Another source has its own bucket.
    assert burst(daemon, "127.0.0.41", 5) == 5
    time.sleep(1.2)
    assert daemon.dig(SSM_REGIONAL, source="127.0.0.40").status == "NOERROR"


def test_no_limit_by_default(vpcdns):
    daemon = vpcdns(BASIC_CONFIG)
    assert burst(daemon, "127.0.0.40", 100) == 100
