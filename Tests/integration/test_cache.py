"""The answer cache (AWS-DNS-RULES 7.4): repeated questions are answered without asking the
upstream, TTLs count down, and NXDOMAIN/NODATA are cached too (RFC 2308), so they survive the
upstream going away."""

import time

from conftest import BASIC_CONFIG


def test_ttl_counts_down_and_the_upstream_is_asked_once(vpcdns, unbound_upstream):
    daemon = vpcdns(BASIC_CONFIG)
    first = daemon.dig("short.example.test")
    assert first.status == "NOERROR" and first.rdata("A") == ["192.0.2.30"], first
    assert first.ttls() == [30], first
    time.sleep(2.2)
    second = daemon.dig("short.example.test")
    assert second.rdata("A") == ["192.0.2.30"], second
    # unbound's local data always says 30: a smaller TTL can only come from vpcdns's cache.
    assert 20 <= second.ttls()[0] <= 28, second
    assert unbound_upstream.asked("short.example.test") == 1, unbound_upstream.queries()


def test_cache_serves_positive_and_negative_answers_after_the_upstream_stops(vpcdns, unbound_upstream):
    daemon = vpcdns(BASIC_CONFIG)
    positive = daemon.dig("www.example.test")
    nxdomain = daemon.dig("missing.example.test")
    nodata = daemon.dig("txt.example.test", "A")
    assert positive.rdata("A") == ["192.0.2.10"], positive
    assert nxdomain.status == "NXDOMAIN" and [r.rtype for r in nxdomain.authority] == ["SOA"], nxdomain
    assert nodata.status == "NOERROR" and nodata.answer == [] and nodata.authority, nodata

    unbound_upstream.stop()
    # Control: the upstream is really gone, so an uncached name fails.
    gone = daemon.dig("other.example.test", time_s=5)
    assert gone.status == "SERVFAIL", gone

    again = daemon.dig("missing.example.test")
    assert again.status == "NXDOMAIN", again
    assert [r.rtype for r in again.authority] == ["SOA"], again
    assert again.authority[0].ttl <= nxdomain.authority[0].ttl, again
    again = daemon.dig("txt.example.test", "A")
    assert again.status == "NOERROR" and again.answer == [] and [r.rtype for r in again.authority] == ["SOA"], again
    again = daemon.dig("www.example.test")
    assert again.status == "NOERROR" and again.rdata("A") == ["192.0.2.10"], again


def test_cache_can_be_turned_off(vpcdns, unbound_upstream):
    daemon = vpcdns(BASIC_CONFIG + "cache:\n  max_entries: 0\n")
    for _ in range(2):
        assert daemon.dig("short.example.test").ttls() == [30]
    assert unbound_upstream.asked("short.example.test") == 2, unbound_upstream.queries()
