"""Route 53 Resolver DNS Firewall, inbound endpoints and Profiles through the real daemon
(AWS-DNS-RULES 6.1, 5.6, 8, S38-S40; docs/aws-behaviour.md): each action and block response,
OVERRIDE's TTL, qtype filters, group and rule priorities, INSPECT vs TRUST on a CNAME chain that
leaves the allowed list (local and forwarded chains), fail open and closed, an S3 endpoint whose
private DNS only inbound endpoints see, a Profile shared by two VPCs, and the query log's
firewall fields and srcids, logged even for answers from the cache."""

import json
from types import SimpleNamespace

import pytest

from conftest import wait_for

UPSTREAM_DATA = [
    'local-zone: "fw.test." static',
    'local-data: "fw.test. 300 IN SOA ns.fw.test. hostmaster.fw.test. 1 3600 600 86400 300"',
    'local-data: "bad.fw.test. 300 IN A 192.0.2.50"',
    'local-data: "x.evil.fw.test. 300 IN A 192.0.2.51"',
    'local-data: "evil.fw.test. 300 IN A 192.0.2.52"',
    'local-data: "nx.fw.test. 300 IN A 192.0.2.55"',
    'local-data: "over.fw.test. 300 IN A 192.0.2.56"',
    'local-data: "alerted.fw.test. 300 IN A 192.0.2.54"',
    'local-data: "mx.fw.test. 300 IN A 192.0.2.53"',
    'local-data: "mx.fw.test. 300 IN MX 10 mail.fw.test."',
    'local-data: "prio.fw.test. 300 IN A 192.0.2.57"',
    'local-data: "second.fw.test. 300 IN A 192.0.2.58"',
    'local-data: "walled.fw.test. 300 IN A 192.0.2.99"',
    'local-zone: "rp.test." static',
    'local-data: "keep.rp.test. 300 IN A 192.0.2.60"',
    'local-data: "other.rp.test. 300 IN A 192.0.2.61"',
    'local-zone: "allowed.test." static',
    'local-data: "www.allowed.test. 300 IN A 192.0.2.70"',
    'local-data: "app.allowed.test. 300 IN CNAME app.cdn.test."',
    'local-zone: "cdn.test." static',
    'local-data: "app.cdn.test. 300 IN A 192.0.2.71"',
    'local-zone: "example.test." static',
    'local-data: "www.example.test. 300 IN A 192.0.2.10"',
    'local-zone: "amazonaws.com." static',
    'local-data: "s3.ap-northeast-1.amazonaws.com. 300 IN A 198.51.100.9"',
    'local-data: "ssm.ap-northeast-1.amazonaws.com. 300 IN A 198.51.100.1"',
    'local-zone: "shared.test." static',
    'local-data: "www.shared.test. 300 IN A 198.51.100.50"',
]

LISTS = {
    "bad": "rslvr-fdl-0a1b2c3d4e5f60001",
    "nx": "rslvr-fdl-0a1b2c3d4e5f60002",
    "over": "rslvr-fdl-0a1b2c3d4e5f60003",
    "alert": "rslvr-fdl-0a1b2c3d4e5f60004",
    "mx": "rslvr-fdl-0a1b2c3d4e5f60005",
    "prio": "rslvr-fdl-0a1b2c3d4e5f60006",
    "second": "rslvr-fdl-0a1b2c3d4e5f60007",
    "rp_allow": "rslvr-fdl-0a1b2c3d4e5f60008",
    "rp_block": "rslvr-fdl-0a1b2c3d4e5f60009",
    "allowed": "rslvr-fdl-0a1b2c3d4e5f6000a",
    "all": "rslvr-fdl-0a1b2c3d4e5f6000b",
    "managed": "rslvr-fdl-0a1b2c3d4e5f6000c",
}
MAIN_GROUP = "rslvr-frg-0a1b2c3d4e5f60001"
SECOND_GROUP = "rslvr-frg-0a1b2c3d4e5f60002"
INSPECT_GROUP = "rslvr-frg-0a1b2c3d4e5f60003"
TRUST_GROUP = "rslvr-frg-0a1b2c3d4e5f60004"
MANAGED_GROUP = "rslvr-frg-0a1b2c3d4e5f60005"
INBOUND = "rslvr-in-0a1b2c3d4e5f60001"
PROFILE = "rp-0a1b2c3d4e5f60001"

CONFIG = f"""\
listen: ["127.0.0.1:$PORT"]
upstreams: ["$UPSTREAM"]
allow: ["127.0.0.0/8"]
upstream_timeout_ms: 500
upstream_tries: 1
query_log:
  path: logs/query.log
firewall:
  domain_lists:
    - {{ id: {LISTS["bad"]}, name: blocked, domains: ["bad.fw.test", "*.evil.fw.test"] }}
    - {{ id: {LISTS["nx"]}, name: nx, file: lists/nx.txt }}
    - {{ id: {LISTS["over"]}, name: over, domains: ["over.fw.test"] }}
    - {{ id: {LISTS["alert"]}, name: alert, domains: ["alerted.fw.test"] }}
    - {{ id: {LISTS["mx"]}, name: mx, domains: ["mx.fw.test"] }}
    - {{ id: {LISTS["prio"]}, name: prio, domains: ["prio.fw.test"] }}
    - {{ id: {LISTS["second"]}, name: second, domains: ["second.fw.test"] }}
    - {{ id: {LISTS["rp_allow"]}, name: rp-allow, domains: ["keep.rp.test"] }}
    - {{ id: {LISTS["rp_block"]}, name: rp-block, domains: ["*.rp.test"] }}
    - {{ id: {LISTS["allowed"]}, name: allowed, domains: ["allowed.test", "*.allowed.test"] }}
    - {{ id: {LISTS["all"]}, name: everything, domains: ["*"] }}
    - {{ id: {LISTS["managed"]}, name: AWSManagedDomainsMalwareDomainList, managed_owner_name: "Route 53 Resolver DNS Firewall" }}
  rule_groups:
    - id: {MAIN_GROUP}
      name: main
      rules:
        - {{ name: keep, priority: 10, domain_list: {LISTS["rp_allow"]}, action: ALLOW }}
        - {{ name: rp, priority: 20, domain_list: {LISTS["rp_block"]}, action: BLOCK, block_response: NXDOMAIN }}
        - {{ name: block-bad, priority: 100, domain_list: {LISTS["bad"]}, action: BLOCK }}
        - {{ name: nx, priority: 110, domain_list: {LISTS["nx"]}, action: BLOCK, block_response: NXDOMAIN }}
        - name: over
          priority: 120
          domain_list: {LISTS["over"]}
          action: BLOCK
          block_response: OVERRIDE
          block_override_domain: walled.fw.test
          block_override_dns_type: CNAME
          block_override_ttl: 30
        - {{ name: alert, priority: 130, domain_list: {LISTS["alert"]}, action: ALERT }}
        - {{ name: mx-only, priority: 140, domain_list: {LISTS["mx"]}, action: BLOCK, block_response: NXDOMAIN, qtype: MX }}
        - {{ name: prio-alert, priority: 150, domain_list: {LISTS["prio"]}, action: ALERT }}
    - id: {SECOND_GROUP}
      name: second
      rules:
        - {{ name: prio-block, priority: 100, domain_list: {LISTS["prio"]}, action: BLOCK }}
        - {{ name: second, priority: 110, domain_list: {LISTS["second"]}, action: BLOCK, block_response: NXDOMAIN }}
    - id: {INSPECT_GROUP}
      name: garden-inspect
      rules:
        - {{ name: allowed, priority: 10, domain_list: {LISTS["allowed"]}, action: ALLOW }}
        - {{ name: rest, priority: 20, domain_list: {LISTS["all"]}, action: BLOCK, block_response: NXDOMAIN }}
    - id: {TRUST_GROUP}
      name: garden-trust
      rules:
        - {{ name: allowed, priority: 10, domain_list: {LISTS["allowed"]}, action: ALLOW, redirection: TRUST_REDIRECTION_DOMAIN }}
        - {{ name: rest, priority: 20, domain_list: {LISTS["all"]}, action: BLOCK, block_response: NXDOMAIN }}
    - id: {MANAGED_GROUP}
      name: managed
      rules:
        - {{ name: malware, priority: 10, domain_list: {LISTS["managed"]}, action: BLOCK }}
vpcs:
  - id: vpc-0aaaaaaa
    region: ap-northeast-1
    cidrs: ["10.10.0.0/16", "127.0.0.16/28"]
    enable_dns_hostnames: true
    firewall:
      rule_groups: [{{ id: {MAIN_GROUP}, priority: 101 }}, {{ id: {SECOND_GROUP}, priority: 201 }}]
      fail_open: false
    inbound_endpoints:
      - {{ id: {INBOUND}, listen: ["127.0.0.5:$PORT"] }}
    zones: [zones/corp.test.zone]
    endpoints:
      - id: vpce-0aaaaaaaaaaaaaaa1
        service: com.amazonaws.ap-northeast-1.ssm
        dns_suffix: aaaaaaa1
        private_dns: true
        interfaces:
          - {{ az: ap-northeast-1a, ipv4: 10.10.1.10 }}
      - id: vpce-0aaaaaaaaaaaaaaa2
        service: com.amazonaws.ap-northeast-1.s3
        type: gateway
      - id: vpce-0aaaaaaaaaaaaaaa3
        service: com.amazonaws.ap-northeast-1.s3
        dns_suffix: aaaaaaa3
        private_dns: true
        private_dns_only_for_inbound_resolver_endpoint: true
        interfaces:
          - {{ az: ap-northeast-1a, ipv4: 10.10.1.20 }}
  - id: vpc-0bbbbbbb
    region: ap-northeast-1
    cidrs: ["127.0.0.32/28"]
    firewall:
      rule_groups: [{{ id: {SECOND_GROUP}, priority: 101 }}, {{ id: {MAIN_GROUP}, priority: 201 }}]
  - id: vpc-0ccccccc
    region: ap-northeast-1
    cidrs: ["127.0.0.48/28"]
    firewall:
      rule_groups: [{{ id: {INSPECT_GROUP}, priority: 101 }}]
  - id: vpc-0ddddddd
    region: ap-northeast-1
    cidrs: ["127.0.0.64/28"]
    firewall:
      rule_groups: [{{ id: {TRUST_GROUP}, priority: 101 }}]
  - id: vpc-0eeeeeee
    region: ap-northeast-1
    cidrs: ["127.0.0.80/28"]
    firewall:
      rule_groups: [{{ id: {MANAGED_GROUP}, priority: 101 }}]
      fail_open: false
  - id: vpc-0fffffff
    region: ap-northeast-1
    cidrs: ["127.0.0.96/28"]
    firewall:
      rule_groups: [{{ id: {MANAGED_GROUP}, priority: 101 }}]
      fail_open: true
  - id: vpc-01111111
    region: ap-northeast-1
    cidrs: ["10.11.0.0/16", "127.0.0.112/28"]
    enable_dns_hostnames: true
    zones: [zones/own/shared.test.zone]
  - id: vpc-02222222
    region: ap-northeast-1
    cidrs: ["10.12.0.0/16", "127.0.0.128/28"]
    enable_dns_hostnames: true
profiles:
  - id: {PROFILE}
    name: shared
    vpcs: [vpc-01111111, vpc-02222222]
    zones: [zones/shared.test.zone]
    endpoints: [vpce-0aaaaaaaaaaaaaaa1]
    firewall:
      rule_groups: [{{ id: {MAIN_GROUP}, priority: 101 }}]
"""

CORP_ZONE = """\
$ORIGIN corp.test.
$TTL 300
@    IN SOA ns.corp.test. hostmaster.corp.test. 1 7200 900 1209600 60
@    IN NS  ns.corp.test.
ns   IN A   10.10.3.2
go   IN CNAME bad.fw.test.
cdn  IN CNAME app.cdn.test.
"""

SHARED_ZONE = """\
$ORIGIN shared.test.
$TTL 300
@    IN SOA ns.shared.test. hostmaster.shared.test. 1 7200 900 1209600 60
@    IN NS  ns.shared.test.
ns   IN A   10.99.0.2
www  IN A   10.99.0.10
"""

OWN_SHARED_ZONE = SHARED_ZONE.replace("10.99.0.10", "10.11.0.10")

FILES = {
    "lists/nx.txt": "# names answered NXDOMAIN\nnx.fw.test\n\n",
    "zones/corp.test.zone": CORP_ZONE,
    "zones/shared.test.zone": SHARED_ZONE,
    "zones/own/shared.test.zone": OWN_SHARED_ZONE,
    "logs/.keep": "",
}

VPC_A, VPC_B, INSPECTING, TRUSTING = "127.0.0.17", "127.0.0.33", "127.0.0.49", "127.0.0.65"
FAIL_CLOSED, FAIL_OPEN, PROFILE_OWN, PROFILE_ONLY = "127.0.0.81", "127.0.0.97", "127.0.0.113", "127.0.0.129"
INBOUND_ADDRESS = "127.0.0.5"


@pytest.fixture(scope="module")
def served(module_launcher):
    upstream = module_launcher.unbound(UPSTREAM_DATA)
    daemon = module_launcher.vpcdns(CONFIG, FILES, UPSTREAM=upstream.address)
    return SimpleNamespace(upstream=upstream, daemon=daemon, log=daemon.config.parent / "logs" / "query.log")


def log_records(path, predicate, timeout=5):
    """The query log's records matching `predicate`, once there is at least one."""
    def read():
        if not path.exists():
            return None
        found = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        return [record for record in found if predicate(record)] or None
    return wait_for(read, timeout) or []


def test_block_answers_nodata_by_default_and_wildcards_match_only_below(served):
    blocked = served.daemon.dig("bad.fw.test", source=VPC_A)
    assert blocked.status == "NOERROR" and blocked.answer == [], blocked
    below = served.daemon.dig("x.evil.fw.test", source=VPC_A)
    assert below.status == "NOERROR" and below.answer == [], below
    apex = served.daemon.dig("evil.fw.test", source=VPC_A)
    assert apex.rdata("A") == ["192.0.2.52"], apex
    assert served.upstream.asked("bad.fw.test") == 0, "a blocked query went upstream"


def test_block_nxdomain_from_a_list_file(served):
    result = served.daemon.dig("nx.fw.test", source=VPC_A)
    assert result.status == "NXDOMAIN" and result.answer == [], result


def test_block_override_answers_the_cname_with_its_ttl(served):
    result = served.daemon.dig("over.fw.test", source=VPC_A)
    assert result.status == "NOERROR", result
    cname = [record for record in result.answer if record.rtype == "CNAME"]
    assert [(r.name, r.ttl, r.data) for r in cname] == [("over.fw.test.", 30, "walled.fw.test.")], result
    assert result.rdata("A") == ["192.0.2.99"], result
    assert served.upstream.asked("over.fw.test") == 0


def test_alert_answers_and_allow_lets_through(served):
    alerted = served.daemon.dig("alerted.fw.test", source=VPC_A)
    assert alerted.rdata("A") == ["192.0.2.54"], alerted
    kept = served.daemon.dig("keep.rp.test", source=VPC_A)
    assert kept.rdata("A") == ["192.0.2.60"], kept


def test_rule_priority_first_match_ends(served):
    # ALLOW at priority 10 is checked before the *.rp.test BLOCK at priority 20.
    assert served.daemon.dig("keep.rp.test", source=VPC_A).status == "NOERROR"
    assert served.daemon.dig("other.rp.test", source=VPC_A).status == "NXDOMAIN"


def test_qtype_filter(served):
    mx = served.daemon.dig("mx.fw.test", "MX", source=VPC_A)
    assert mx.status == "NXDOMAIN", mx
    a = served.daemon.dig("mx.fw.test", "A", source=VPC_A)
    assert a.rdata("A") == ["192.0.2.53"], a


def test_group_priority(served):
    # VPC A: main (101, ALERT) before second (201, BLOCK); VPC B has them the other way round.
    assert served.daemon.dig("prio.fw.test", source=VPC_A).rdata("A") == ["192.0.2.57"]
    reversed_order = served.daemon.dig("prio.fw.test", source=VPC_B)
    assert reversed_order.status == "NOERROR" and reversed_order.answer == [], reversed_order
    assert served.daemon.dig("second.fw.test", source=VPC_A).status == "NXDOMAIN"


def test_firewall_runs_before_private_zones_and_inspects_their_chain(served):
    # go.corp.test is a local CNAME to bad.fw.test: the chain leaves the zone to a blocked name.
    result = served.daemon.dig("go.corp.test", source=VPC_A)
    assert result.status == "NOERROR" and result.answer == [], result


def test_inspect_redirection_blocks_a_forwarded_chain_leaving_the_allowed_list(served):
    inspected = served.daemon.dig("app.allowed.test", source=INSPECTING)
    assert inspected.status == "NXDOMAIN" and inspected.answer == [], inspected
    direct = served.daemon.dig("www.allowed.test", source=INSPECTING)
    assert direct.rdata("A") == ["192.0.2.70"], direct
    assert served.daemon.dig("www.example.test", source=INSPECTING).status == "NXDOMAIN"


def test_trust_redirection_lets_the_chain_through(served):
    trusted = served.daemon.dig("app.allowed.test", source=TRUSTING)
    assert trusted.status == "NOERROR", trusted
    # unbound answers a local-data CNAME without chasing it: the chain arrives as the CNAME.
    assert trusted.rdata("CNAME") == ["app.cdn.test."], trusted
    # The same chain again, now from the cache, is still inspected for the other VPC.
    assert served.daemon.dig("app.allowed.test", source=INSPECTING).status == "NXDOMAIN"
    assert served.daemon.dig("app.cdn.test", source=TRUSTING).status == "NXDOMAIN"


def test_fail_closed_and_fail_open_when_the_firewall_cannot_decide(served):
    # The managed list's domains are unknown to vpcdns: the firewall cannot decide.
    closed = served.daemon.dig("www.example.test", source=FAIL_CLOSED)
    assert closed.status == "SERVFAIL", closed
    opened = served.daemon.dig("www.example.test", source=FAIL_OPEN)
    assert opened.rdata("A") == ["192.0.2.10"], opened


def test_inbound_endpoint_sees_s3_private_dns_and_the_vpc_sees_public(served):
    inside = served.daemon.dig("s3.ap-northeast-1.amazonaws.com", source=VPC_A)
    assert inside.rdata("A") == ["198.51.100.9"], inside
    inbound = served.daemon.dig("s3.ap-northeast-1.amazonaws.com", server=INBOUND_ADDRESS)
    assert inbound.rdata("A") == ["10.10.1.20"], inbound
    bucket = served.daemon.dig("my-bucket.s3.ap-northeast-1.amazonaws.com", server=INBOUND_ADDRESS)
    assert bucket.rdata("A") == ["10.10.1.20"], bucket
    # The VPC's firewall applies to queries through its inbound endpoint.
    blocked = served.daemon.dig("bad.fw.test", server=INBOUND_ADDRESS)
    assert blocked.status == "NOERROR" and blocked.answer == [], blocked


def test_profile_shared_by_two_vpcs(served):
    # The Profile's zone, its endpoint's private DNS and its rule groups reach both VPCs; the
    # VPC's own zone of the same name wins over the Profile's.
    assert served.daemon.dig("www.shared.test", source=PROFILE_ONLY).rdata("A") == ["10.99.0.10"]
    assert served.daemon.dig("www.shared.test", source=PROFILE_OWN).rdata("A") == ["10.11.0.10"]
    for client in (PROFILE_OWN, PROFILE_ONLY):
        assert served.daemon.dig("ssm.ap-northeast-1.amazonaws.com", source=client).rdata("A") == ["10.10.1.10"]
        blocked = served.daemon.dig("bad.fw.test", source=client)
        assert blocked.status == "NOERROR" and blocked.answer == [], blocked
    # A VPC without the Profile sees the public zone.
    assert served.daemon.dig("www.shared.test", source=VPC_B).rdata("A") == ["198.51.100.50"]


def test_query_log_firewall_fields_srcids_and_cached_alerts(served):
    daemon, log = served.daemon, served.log
    daemon.dig("bad.fw.test", "TXT", source=VPC_A)
    for _ in range(2):  # the second answer comes from the cache and is logged all the same
        assert daemon.dig("alerted.fw.test", "AAAA", source=VPC_A).status == "NOERROR"
    daemon.dig("bad.fw.test", "TXT", server=INBOUND_ADDRESS)

    blocked = log_records(log, lambda r: r["query_name"] == "bad.fw.test." and r["query_type"] == "TXT")
    assert len(blocked) == 2 or wait_for(lambda: len(log_records(
        log, lambda r: r["query_name"] == "bad.fw.test." and r["query_type"] == "TXT")) == 2, 5)
    blocked = log_records(log, lambda r: r["query_name"] == "bad.fw.test." and r["query_type"] == "TXT")
    for record in blocked:
        assert record["firewall_rule_group_id"] == MAIN_GROUP, record
        assert record["firewall_rule_action"] == "BLOCK", record
        assert record["firewall_domain_list_id"] == LISTS["bad"], record
        assert record["vpc_id"] == "vpc-0aaaaaaa", record
    assert sorted(json.dumps(r["srcids"]) for r in blocked) == sorted(
        ["{}", json.dumps({"resolver_endpoint": INBOUND})]), blocked

    alerts = wait_for(lambda: (found := log_records(
        log, lambda r: r["query_name"] == "alerted.fw.test." and r["query_type"] == "AAAA")) and len(found) == 2 and found, 5)
    assert alerts, log.read_text()
    assert all(r["firewall_rule_action"] == "ALERT" and r["firewall_domain_list_id"] == LISTS["alert"] for r in alerts), alerts
    cached_alert = daemon.dig("alerted.fw.test", source=VPC_A)  # A, then A again from the cache
    cached_alert = daemon.dig("alerted.fw.test", source=VPC_A)
    assert cached_alert.rdata("A") == ["192.0.2.54"], cached_alert
    a_alerts = wait_for(lambda: (found := log_records(
        log, lambda r: r["query_name"] == "alerted.fw.test." and r["query_type"] == "A")) and len(found) >= 2 and found, 5)
    assert a_alerts and all(r["answers"] == [{"Rdata": "192.0.2.54", "Type": "A", "Class": "IN"}] for r in a_alerts), a_alerts

    daemon.dig("keep.rp.test", "TXT", source=VPC_A)  # ALLOW: no firewall fields
    plain = log_records(log, lambda r: r["query_name"] == "keep.rp.test.")
    assert plain and all("firewall_rule_action" not in r for r in plain), plain


def test_check_names_firewall_mistakes_with_file_line_and_aws_texts(tmp_path):
    from conftest import run_vpcdns, write_config
    broken = (CONFIG
              .replace("domain_list: " + LISTS["alert"], "domain_list: rslvr-fdl-0000000000000dead")
              .replace("name: mx-only, priority: 140", "name: mx-only, priority: 130")
              .replace("          block_override_domain: walled.fw.test\n", ""))
    files = dict(FILES)
    files["lists/nx.txt"] = "nx.fw.test\nnot a domain\n"
    config = write_config(tmp_path, broken, files, PORT=53000, UPSTREAM="127.0.0.1:9")
    result = run_vpcdns("check", "--config", str(config))
    assert result.returncode == 1, result
    lines = broken.splitlines()

    def line_of(text):
        return next(number for number, line in enumerate(lines, 1) if text in line)

    expected = [
        (str(config), line_of("rslvr-fdl-0000000000000dead"), "ResourceNotFoundException: domain list rslvr-fdl-0000000000000dead"),
        (str(config), line_of("name: mx-only, priority: 130"), "ValidationException: priority 130 is already used by rule alert"),
        (str(config), line_of("block_response: OVERRIDE"), "ValidationException: BlockResponse OVERRIDE requires BlockOverrideDomain"),
        (str(tmp_path / "lists" / "nx.txt"), 2, "ValidationException: 'not a domain'"),
    ]
    for path, line, text in expected:
        assert any(l.startswith(f"{path}:{line}:") and text in l for l in result.stderr.splitlines()), (path, line, text, result.stderr)


def test_readme_worked_example(launcher):
    """The README's DNS Firewall example, as a user copies it, with a loopback upstream."""
    import re
    from conftest import REPO
    section = (REPO / "README.md").read_text().split("## DNS Firewall", 1)[1]
    yaml = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    allowed = re.search(r"`lists/allowed.txt`, one domain.*?```\n(.*?)```", section, re.S).group(1)
    assert 'upstreams: ["1.1.1.1"]' in yaml and 'listen: ["127.0.0.1:5353"]' in yaml
    template = (yaml.replace("$", "$$").replace('upstreams: ["1.1.1.1"]', 'upstreams: ["$UPSTREAM"]')
                .replace('listen: ["127.0.0.1:5353"]', 'listen: ["127.0.0.1:$PORT"]')
                .replace('query_log: { path: "-" }', 'query_log: { path: "query.log" }'))
    upstream = launcher.unbound(extra=[
        'local-data: "sinkhole.example.test. 300 IN A 192.0.2.200"',
        'local-zone: "example.org." static',
        'local-data: "www.example.org. 300 IN A 192.0.2.201"',
    ])
    daemon = launcher.vpcdns(template, {"lists/allowed.txt": allowed}, UPSTREAM=upstream.address)
    ads = daemon.dig("ads.example.test", source="127.0.0.17")
    assert [(r.rtype, r.ttl, r.data) for r in ads.answer] == [("CNAME", 60, "sinkhole.example.test."), ("A", 300, "192.0.2.200")], ads
    assert daemon.dig("www.example.test", source="127.0.0.17").rdata("A") == ["192.0.2.10"]
    assert daemon.dig("www.example.org", source="127.0.0.17").rdata("A") == ["192.0.2.201"]
    log = daemon.config.parent / "query.log"
    alerted = log_records(log, lambda r: r["query_name"] == "www.example.org.")
    assert alerted and alerted[0]["firewall_rule_action"] == "ALERT", alerted


def test_reference_config_documents_firewall_inbound_endpoints_and_profiles(tmp_path):
    """The commented firewall:, profiles:, vpcs[].firewall and vpcs[].inbound_endpoints blocks of
    Config/vpcdns.yaml, uncommented, make a config that `vpcdns check` accepts."""
    from conftest import REPO, run_vpcdns
    lines = (REPO / "Config" / "vpcdns.yaml").read_text().splitlines()
    out, index = [], 0
    while index < len(lines):
        line = lines[index]
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped in ("# firewall:", "# profiles:", "# inbound_endpoints:"):
            while index < len(lines) and lines[index].startswith(indent + "#") and lines[index].strip():
                text = lines[index][len(indent) + 2:]
                if not text.lstrip().startswith("#"):
                    out.append(indent + text)
                index += 1
            continue
        out.append(line)
        index += 1
    text = "\n".join(out) + "\n"
    for key in ("\nfirewall:", "\nprofiles:", "    firewall:", "    inbound_endpoints:"):
        assert key in text, key
    (tmp_path / "vpcdns.yaml").write_text(text)
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "blocked.txt").write_text("# more\nworse.example\n")
    (tmp_path / "zones").mkdir()
    (tmp_path / "zones" / "corp.example.internal.zone").write_text(
        (REPO / "Config" / "zones" / "corp.example.internal.zone").read_text())
    result = run_vpcdns("check", "--config", str(tmp_path / "vpcdns.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr + text


RELOAD_CONFIG = """\
listen: ["127.0.0.1:$PORT"]
upstreams: ["$UPSTREAM"]
allow: ["127.0.0.0/8"]
upstream_timeout_ms: 500
upstream_tries: 1
firewall:
  domain_lists:
    - { id: rslvr-fdl-0a1b2c3d4e5f60001, file: lists/blocked.txt }
  rule_groups:
    - id: rslvr-frg-0a1b2c3d4e5f60001
      rules:
        - { name: block, priority: 100, domain_list: rslvr-fdl-0a1b2c3d4e5f60001, action: BLOCK, block_response: NXDOMAIN }
vpcs:
  - id: vpc-0aaaaaaa
    region: ap-northeast-1
    cidrs: ["127.0.0.16/28"]
    firewall:
      rule_groups: [{ id: rslvr-frg-0a1b2c3d4e5f60001, priority: 101 }]
"""


def test_reload_rereads_domain_list_files_and_keeps_the_old_firewall_on_errors(launcher):
    upstream = launcher.unbound(UPSTREAM_DATA)
    daemon = launcher.vpcdns(RELOAD_CONFIG, {"lists/blocked.txt": "bad.fw.test\n"}, UPSTREAM=upstream.address)
    listed = daemon.config.parent / "lists" / "blocked.txt"
    assert daemon.dig("bad.fw.test", source=VPC_A).status == "NXDOMAIN"
    assert daemon.dig("nx.fw.test", source=VPC_A).status == "NOERROR"
    listed.write_text("bad.fw.test\nnx.fw.test\n")
    assert daemon.reload() == "reloaded", daemon.stderr_text()
    assert daemon.dig("nx.fw.test", source=VPC_A).status == "NXDOMAIN"
    listed.write_text("bad.fw.test\nnot a domain\n")
    assert daemon.reload() == "failed", daemon.stderr_text()
    assert f"{listed}:2:1: ValidationException" in daemon.stderr_text(), daemon.stderr_text()
    assert daemon.dig("nx.fw.test", source=VPC_A).status == "NXDOMAIN"


def test_import_of_route53resolver_output_gives_a_config_check_accepts(tmp_path):
    from conftest import REPO, run_vpcdns
    fixtures = REPO / "Tests" / "AWSImportTests" / "Fixtures"
    names = ["describe-vpc-endpoints.json", "describe-network-interfaces.json", "describe-vpcs.json",
             "list-firewall-domain-lists.json", "rslvr-fdl-42b60677cexample.domains.json",
             "list-firewall-rule-groups.json", "list-firewall-rules.json",
             "list-firewall-rule-group-associations.json"]
    imported = run_vpcdns("import", *[str(fixtures / name) for name in names])
    assert imported.returncode == 0, imported.stderr
    assert "firewall:\n  domain_lists:\n" in imported.stdout and "rslvr-frg-47f93271fexample" in imported.stdout
    config = tmp_path / "vpcdns.yaml"
    config.write_text('listen: ["127.0.0.1:53001"]\nupstreams: ["127.0.0.1:9"]\n' + imported.stdout)
    checked = run_vpcdns("check", "--config", str(config))
    assert checked.returncode == 0, checked.stdout + checked.stderr + imported.stdout
    unnamed = tmp_path / "domains.json"
    unnamed.write_text((fixtures / "rslvr-fdl-42b60677cexample.domains.json").read_text())
    refused = run_vpcdns("import", str(unnamed))
    assert refused.returncode == 1 and "name the file after the list id" in refused.stderr, refused


def test_zones_shows_the_firewall_and_what_inbound_endpoints_add(served):
    from conftest import run_vpcdns
    report = run_vpcdns("zones", "--config", str(served.daemon.config))
    assert report.returncode == 0, report.stderr
    assert f";; DNS Firewall, first: 10 rules of {MAIN_GROUP}, {SECOND_GROUP}, fail closed" in report.stdout, report.stdout
    assert f";; VPC vpc-0aaaaaaa through inbound endpoint {INBOUND} (127.0.0.5:" in report.stdout, report.stdout
    assert "s3.ap-northeast-1.amazonaws.com. of vpce-0aaaaaaaaaaaaaaa3" in report.stdout, report.stdout
