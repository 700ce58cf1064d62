"""`upstream_case_randomization` (DNS 0x20) against an upstream that does not echo the query
name's case but answers with the name in lowercase: with the switch on (the default), the names
go upstream in mixed case and those answers are dropped, so the query fails (SERVFAIL after the
upstream timeout); with it off, the names go as the client spelled them and the answer is relayed.
"""

from __future__ import annotations

import dns.message
import pytest

from scripted_upstream import ScriptedUpstream, answer

CONFIG = """\
listen: ["127.0.0.1:$PORT"]
upstreams: ["$UPSTREAM"]
allow: ["127.0.0.0/8"]
upstream_timeout_ms: 500
upstream_tries: 1
"""

NAMES = [f"case{index}.lowercase-upstream.test" for index in range(8)]


def lowercasing_reply(query, transport):
    """Answers every query, but with the question (and owner) in lowercase."""
    name = query.question[0].name.to_text().lower()
    lowered = dns.message.make_query(name, query.question[0].rdtype, id=query.id)
    return [(0, answer(lowered, f"{name} 60 IN A 192.0.2.20").to_wire())]


@pytest.fixture
def upstream():
    server = ScriptedUpstream(lowercasing_reply)
    yield server
    server.stop()


def raw_names(server) -> list:
    with server.lock:
        return [record[4] for record in server.received if record[2] == "udp"]


def test_off_relays_answers_of_an_upstream_that_does_not_echo_case(launcher, upstream):
    daemon = launcher.vpcdns(CONFIG + "upstream_case_randomization: false\n", UPSTREAM=upstream.address)
    for name in NAMES:
        result = daemon.dig(name, "A")
        assert result.status == "NOERROR", result
        assert result.rdata("A") == ["192.0.2.20"], result
    # Sent as the client spelled it (dig sends it lowercase): no letter flipped.
    assert sorted(raw_names(upstream)) == sorted(f"{name}." for name in NAMES)


def test_mixed_case_answers_from_the_client_are_relayed_when_off(launcher, upstream):
    """The answer's question is compared without regard to case, and the client gets its own
    spelling back."""
    daemon = launcher.vpcdns(CONFIG + "upstream_case_randomization: false\n", UPSTREAM=upstream.address)
    result = daemon.dig("MiXeD.LowerCase-Upstream.TEST", "A")
    assert result.status == "NOERROR", result
    assert result.rdata("A") == ["192.0.2.20"], result
    assert raw_names(upstream) == ["MiXeD.LowerCase-Upstream.TEST."]
    assert result.question and result.question[0][0] == "MiXeD.LowerCase-Upstream.TEST.", result


def test_on_by_default_drops_answers_that_do_not_echo_case(launcher, upstream):
    daemon = launcher.vpcdns(CONFIG, UPSTREAM=upstream.address)
    for name in NAMES:
        result = daemon.dig(name, "A", time_s=5)
        assert result.status == "SERVFAIL", result
        assert result.rdata("A") == [], result
    sent = raw_names(upstream)
    assert len(sent) == len(NAMES)
    # Each name has ~20 letters: all-lowercase by chance has probability 2^-20 per name.
    assert all(name != name.lower() for name in sent), sent
    assert sorted(name.lower() for name in sent) == sorted(f"{name}." for name in NAMES)
    assert daemon.alive()


def test_switching_it_off_by_reload_takes_effect(launcher, upstream):
    """The channel is rebuilt when the switch changes: SIGHUP with it off relays the answer."""
    daemon = launcher.vpcdns(CONFIG, UPSTREAM=upstream.address)
    assert daemon.dig("before.lowercase-upstream.test", "A", time_s=5).status == "SERVFAIL"
    daemon.config.write_text(daemon.config.read_text() + "upstream_case_randomization: false\n")
    assert daemon.reload() == "reloaded"
    result = daemon.dig("after.lowercase-upstream.test", "A")
    assert result.status == "NOERROR", result
    assert result.rdata("A") == ["192.0.2.20"], result
