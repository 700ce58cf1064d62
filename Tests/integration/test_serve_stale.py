"""Serve-stale (RFC 8767, AWS-DNS-RULES 12): when every upstream try fails, an expired cached
answer (positive or negative) is served with TTL `stale_answer_ttl` instead of SERVFAIL, for at
most `max_stale_age` seconds past its TTL; once the upstream answers again it is refreshed."""

import time

from conftest import BASIC_CONFIG

# Answers that expire after one second, so the tests need not wait long.
SHORT_LIVED = [
    'local-data: "stale.example.test. 1 IN A 192.0.2.77"',
    'local-zone: "stale.test." static',
    'local-data: "stale.test. 1 IN SOA ns.stale.test. hostmaster.stale.test. 1 3600 600 86400 1"',
]

STALE_CONFIG = BASIC_CONFIG + """\
cache:
  stale_answer_ttl: 30
  max_stale_age: $MAX_STALE_AGE
"""


def test_expired_answers_are_served_stale_while_the_upstream_is_down(launcher):
    upstream = launcher.unbound(extra=SHORT_LIVED)
    daemon = launcher.vpcdns(STALE_CONFIG, UPSTREAM=upstream.address, MAX_STALE_AGE=3600)
    fresh = daemon.dig("stale.example.test")
    negative = daemon.dig("missing.stale.test")
    assert fresh.rdata("A") == ["192.0.2.77"] and fresh.ttls() == [1], fresh
    assert negative.status == "NXDOMAIN" and negative.authority[0].ttl == 1, negative

    upstream.stop()
    time.sleep(1.5)  # both answers are expired now
    stale = daemon.dig("stale.example.test", time_s=5)
    assert stale.status == "NOERROR" and stale.rdata("A") == ["192.0.2.77"], stale
    assert stale.ttls() == [30], "a stale answer carries stale_answer_ttl"
    stale_negative = daemon.dig("missing.stale.test", time_s=5)
    assert stale_negative.status == "NXDOMAIN", stale_negative
    assert [(r.rtype, r.ttl) for r in stale_negative.authority] == [("SOA", 30)], stale_negative
    # Control: a name never cached still fails.
    never = daemon.dig("never.example.test", time_s=5)
    assert never.status == "SERVFAIL", never

    # The upstream comes back: the next question refreshes the entry with a fresh answer.
    asked_before = upstream.asked("stale.example.test")
    upstream.start()
    refreshed = daemon.dig("stale.example.test", time_s=5)
    assert refreshed.status == "NOERROR" and refreshed.ttls() == [1], refreshed
    assert upstream.asked("stale.example.test") == asked_before + 1


def test_stale_answers_end_at_max_stale_age(launcher):
    upstream = launcher.unbound(extra=SHORT_LIVED)
    daemon = launcher.vpcdns(STALE_CONFIG, UPSTREAM=upstream.address, MAX_STALE_AGE=2)
    stored = time.monotonic()
    assert daemon.dig("stale.example.test").rdata("A") == ["192.0.2.77"]
    upstream.stop()
    time.sleep(1.5)
    stale = daemon.dig("stale.example.test", time_s=5)
    assert stale.rdata("A") == ["192.0.2.77"] and stale.ttls() == [30], stale
    # TTL 1 s + max_stale_age 2 s: gone after 3 s (waited with a margin).
    time.sleep(max(0.0, stored + 4.0 - time.monotonic()))
    gone = daemon.dig("stale.example.test", time_s=5)
    assert gone.status == "SERVFAIL", gone


def test_serve_stale_can_be_turned_off(launcher):
    upstream = launcher.unbound(extra=SHORT_LIVED)
    daemon = launcher.vpcdns(BASIC_CONFIG + "cache:\n  serve_stale: false\n", UPSTREAM=upstream.address)
    assert daemon.dig("stale.example.test").rdata("A") == ["192.0.2.77"]
    upstream.stop()
    time.sleep(1.5)
    result = daemon.dig("stale.example.test", time_s=5)
    assert result.status == "SERVFAIL", result
