"""Private hosted zones from zone files (AWS-DNS-RULES 3.6-3.10, 6.4): answers, CNAME chains inside
and out of the zone, wildcards, NXDOMAIN/NODATA with the SOA at TTL 60, and no leaking to other
clients or to the upstream."""

from types import SimpleNamespace

import pytest

from conftest import NO_VPC_CLIENT, VPC_CLIENT

CONFIG = """\
listen: ["127.0.0.1:$PORT"]
upstreams: ["$UPSTREAM"]
allow: ["127.0.0.0/8"]
upstream_timeout_ms: 500
upstream_tries: 1
vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: ap-northeast-1
    cidrs: ["10.10.0.0/16", "127.0.0.16/28"]
    enable_dns_hostnames: true
    zones:
      - zones/corp.test.zone
"""

ZONE = """\
$ORIGIN corp.test.
$TTL 300
@       900     IN SOA  ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400
@       172800  IN NS   ns-1536.awsdns-00.co.uk.
@               IN A    10.10.3.1
web             IN A    10.10.3.20
                IN A    10.10.4.20
                IN AAAA fd00:10:10:3::20
www             IN CNAME web
alias   120     IN CNAME www            ; alias -> www -> web, all inside the zone
out             IN CNAME www.example.test.  ; leaves the zone: the rest comes from the upstream
*.apps          IN A    10.10.3.40
status.apps     IN A    10.10.3.41
txt             IN TXT  "hello" "world"
"""


@pytest.fixture(scope="module")
def served(module_launcher):
    upstream = module_launcher.unbound()
    daemon = module_launcher.vpcdns(CONFIG, {"zones/corp.test.zone": ZONE}, UPSTREAM=upstream.address)
    return SimpleNamespace(upstream=upstream, daemon=daemon)


def ask(served, name, rtype="A", source=VPC_CLIENT):
    result = served.daemon.dig(name, rtype, source=source)
    assert result.status is not None, result
    assert "aa" not in result.flags and {"qr", "rd", "ra"} <= result.flags, result
    return result


def records(section):
    return [(r.name, r.ttl, r.rtype, r.data) for r in section]


def test_plain_records(served):
    result = ask(served, "web.corp.test")
    assert result.status == "NOERROR" and sorted(result.rdata("A")) == ["10.10.3.20", "10.10.4.20"], result
    assert ask(served, "web.corp.test", "AAAA").rdata("AAAA") == ["fd00:10:10:3::20"]
    assert ask(served, "txt.corp.test", "TXT").rdata("TXT") == ['"hello" "world"']
    assert served.upstream.asked("web.corp.test") == 0


def test_cname_chain_inside_the_zone(served):
    result = ask(served, "alias.corp.test")
    assert result.status == "NOERROR", result
    assert records(result.answer)[:2] == [
        ("alias.corp.test.", 120, "CNAME", "www.corp.test."),
        ("www.corp.test.", 300, "CNAME", "web.corp.test."),
    ], result
    assert sorted(records(result.answer)[2:]) == [
        ("web.corp.test.", 300, "A", "10.10.3.20"), ("web.corp.test.", 300, "A", "10.10.4.20")], result


def test_cname_leaving_the_zone_is_followed_upstream(served):
    result = ask(served, "out.corp.test")
    assert result.status == "NOERROR", result
    assert records(result.answer) == [
        ("out.corp.test.", 300, "CNAME", "www.example.test."),
        ("www.example.test.", 300, "A", "192.0.2.10"),
    ], result
    assert served.upstream.asked("www.example.test") >= 1
    assert served.upstream.asked("out.corp.test") == 0


def test_wildcard_and_explicit_name_beside_it(served):
    result = ask(served, "anything.apps.corp.test")
    assert records(result.answer) == [("anything.apps.corp.test.", 300, "A", "10.10.3.40")], result
    assert ask(served, "a.b.apps.corp.test").rdata("A") == ["10.10.3.40"]
    assert ask(served, "status.apps.corp.test").rdata("A") == ["10.10.3.41"]


def test_empty_non_terminal_is_nodata(served):
    result = ask(served, "apps.corp.test")
    assert result.status == "NOERROR" and result.answer == [], result
    assert [(r.name, r.rtype, r.ttl) for r in result.authority] == [("corp.test.", "SOA", 60)], result


def test_missing_name_is_nxdomain_with_soa_ttl_60_and_not_forwarded(served):
    result = ask(served, "nope.corp.test")
    assert result.status == "NXDOMAIN" and result.answer == [], result
    assert records(result.authority) == [
        ("corp.test.", 60, "SOA", "ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400")
    ], result
    assert served.upstream.asked("nope.corp.test") == 0


def test_missing_type_is_nodata_after_the_cname(served):
    result = ask(served, "www.corp.test", "MX")
    assert result.status == "NOERROR", result
    assert records(result.answer) == [("www.corp.test.", 300, "CNAME", "web.corp.test.")], result
    assert [(r.rtype, r.ttl) for r in result.authority] == [("SOA", 60)], result


def test_the_zone_is_invisible_outside_the_vpc(served):
    before = served.upstream.asked("web.corp.test")
    result = ask(served, "web.corp.test", source=NO_VPC_CLIENT)
    assert result.status == "NXDOMAIN" and "10.10.3.20" not in result.text, result
    assert served.upstream.asked("web.corp.test") == before + 1


def test_any_is_answered_with_one_rrset(served):
    """RFC 8482: ANY for a name with A, AAAA (web) or SOA, NS, A (the apex) gets one RRset, the
    lowest type, not every record, so a small query cannot pull a large answer; over TCP too."""
    asked_before = served.upstream.asked("web.corp.test")
    for options in ((), ("+tcp",)):
        web = served.daemon.dig("web.corp.test", "ANY", *options, source=VPC_CLIENT)
        assert web.status == "NOERROR" and {r.rtype for r in web.answer} == {"A"}, web
        assert sorted(web.rdata("A")) == ["10.10.3.20", "10.10.4.20"], web
    apex = ask(served, "corp.test", "ANY")
    assert [(r.rtype, r.data) for r in apex.answer] == [("A", "10.10.3.1")], apex
    assert served.upstream.asked("web.corp.test") == asked_before
