"""`vpcdns explain` (offline) for every kind of decision: the view and why, each step with the
config file:line it rests on, then the response in dig's format; and the same reason on the
wire, as CH TXT `[_TYPE.]NAME.explain.vpcdns.`, for clients in `explain.allow` only."""

import re

import pytest

from conftest import CORP_ZONE, SSM_ENDPOINT, SSM_NAME, SSM_REGIONAL, VPC_CLIENT, dig, run_vpcdns

VIEW = "vpc-0a1b2c3d4e5f60718"
QUIET = "vpc-0dead0dead0dead00"

CONFIG = """\
listen: ["127.0.0.1:$PORT"]
upstreams: ["$UPSTREAM"]
allow: ["127.0.0.1/32"]
explain: { allow: ["127.0.0.1/32", "127.0.0.64/32"] }
vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: ap-northeast-1
    cidrs: ["10.10.0.0/16", "127.0.0.16/28"]
    enable_dns_hostnames: true
    endpoints:
$SSM
    zones:
      - zones/corp.test.zone
    rules:
      - { domain: rule.test, type: forward, targets: ["$UPSTREAM"] }
      - { domain: sys.rule.test, type: system }
  - id: vpc-0dead0dead0dead00
    region: ap-northeast-1
    cidrs: ["10.20.0.0/16", "127.0.0.32/28"]
    listen: ["127.0.0.2:$PORT"]
    enable_dns_support: false
"""

ZONE = CORP_ZONE + "out  IN CNAME www.example.test.\n"


@pytest.fixture(scope="module")
def served(module_launcher):
    upstream = module_launcher.unbound()
    return module_launcher.vpcdns(CONFIG, {"zones/corp.test.zone": ZONE}, UPSTREAM=upstream.address,
                                  SSM=SSM_ENDPOINT.rstrip("\n"))


def line_of(config_text, needle):
    return next(number for number, text in enumerate(config_text.splitlines(), 1) if needle in text)


def explain(served, *args):
    done = run_vpcdns("explain", "--config", str(served.config), *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def at(served, needle):
    """The `[file:line:` a step cites for the config line holding `needle`."""
    return f"[{served.config}:{line_of(served.config.read_text(), needle)}:"


def test_private_zone_answer(served):
    text = explain(served, "web.corp.test", "--from", VPC_CLIENT)
    assert f"view {VIEW}: the client is inside its CIDR 127.0.0.16/28" in text and at(served, "cidrs: [\"10.10") in text
    assert "candidate: private zone corp.test. (zones/corp.test.zone) " + at(served, "zones/corp.test.zone") in text, text
    assert "answered locally, NOERROR with 1 answer record: view " + VIEW + ": zone corp.test." in text, text
    assert ";; ->>HEADER<<- opcode: QUERY, status: NOERROR" in text
    assert "web.corp.test.\t300\tIN\tA\t10.10.3.20" in text


def test_private_zone_nxdomain(served):
    text = explain(served, "nope.corp.test", "--from", VPC_CLIENT)
    assert "answered locally, NXDOMAIN with 0 answer records" in text and "status: NXDOMAIN" in text, text
    assert ";; AUTHORITY SECTION:\ncorp.test.\t60\tIN\tSOA" in text, text


def test_endpoint_private_dns(served):
    text = explain(served, SSM_NAME, "--from", VPC_CLIENT)
    assert f"candidate: private zone {SSM_NAME}. (endpoint private DNS of vpce-0f3a8c21d47b95e6a) " + at(served, "- id: vpce-0f3a8c21d47b95e6a") in text, text
    assert f"private DNS {SSM_NAME}. of vpce-0f3a8c21d47b95e6a" in text
    assert re.search(rf"^{re.escape(SSM_NAME)}\.\t\d+\tIN\tA\t10\.10\.[12]\.10$", text, re.M), text


def test_endpoint_specific_name(served):
    text = explain(served, SSM_REGIONAL, "--from", "127.0.0.1")
    assert "view default: the client is in no VPC's CIDRs" in text
    assert f"{SSM_REGIONAL}. is an endpoint-specific name of vpce-0f3a8c21d47b95e6a" in text, text
    assert "endpoint name of vpce-0f3a8c21d47b95e6a" in text and "status: NOERROR" in text


def test_forward_rule(served):
    text = explain(served, "www.rule.test", "--from", VPC_CLIENT)
    assert re.search(r"candidate: FORWARD rule for rule\.test\. \(upstream set \d: 127\.0\.0\.1:\d+\) ", text), text
    assert at(served, "domain: rule.test,") in text
    assert "forwarded: view " + VIEW + ": forward rule rule.test.; www.rule.test. A goes to upstream set" in text, text
    assert "no response shown: the upstream's answer is not known offline" in text


def test_system_rule(served):
    text = explain(served, "www.sys.rule.test", "--from", VPC_CLIENT)
    assert "candidate: SYSTEM rule for sys.rule.test." in text and at(served, "domain: sys.rule.test") in text, text
    assert "forwarded: view " + VIEW + ": system rule sys.rule.test.; www.sys.rule.test. A goes to upstream set 0" in text, text


def test_recursion_to_the_default_upstreams(served):
    text = explain(served, "www.example.test", "AAAA", "--from", VPC_CLIENT)
    assert "no resolver rule or private zone of view " + VIEW + " covers www.example.test." in text, text
    assert "forwarded: view " + VIEW + ": recursion; www.example.test. AAAA goes to upstream set 0" in text
    assert at(served, "upstreams: [") in text


def test_cname_chain_leaving_local_data(served):
    text = explain(served, "out.corp.test", "--from", VPC_CLIENT)
    assert "local CNAME out.corp.test. -> www.example.test.: resolution continues at www.example.test." in text, text
    assert "www.example.test. A goes to upstream set 0" in text


def test_autodefined_reverse_zone(served):
    text = explain(served, "5.0.10.10.in-addr.arpa", "PTR", "--from", VPC_CLIENT)
    assert "candidate: autodefined zone 10.10.in-addr.arpa. (reverse zone)" in text, text
    assert at(served, "- id: vpc-0a1b2c3d4e5f60718") in text
    assert f"answered locally, NXDOMAIN with 0 answer records: view {VIEW}: autodefined zone 10.10.in-addr.arpa." in text


def test_refused_client(served):
    text = explain(served, "web.corp.test", "--from", "192.0.2.1")
    assert "client not allowed: in neither allow nor any VPC's CIDRs " + at(served, "allow: [\"127.0.0.1/32\"]") in text, text
    assert "REFUSED: view default: client not allowed" in text and "status: REFUSED" in text


def test_dns_support_off_drops(served):
    text = explain(served, "web.corp.test", "--from", "10.20.0.5")
    assert f"enable_dns_support is false in {QUIET}" in text and at(served, "enable_dns_support: false") in text, text
    assert ";; no response: the client sees a timeout" in text


def test_view_by_listen_address(served):
    text = explain(served, "web.corp.test", "--from", "127.0.0.1", "--via", f"127.0.0.2:{served.port}")
    assert f"view {QUIET}: the query arrived on its listen address 127.0.0.2:{served.port}" in text, text
    assert at(served, 'listen: ["127.0.0.2') in text


def txt_lines(result):
    return [record.data.strip('"') for record in result.answer if record.rtype == "TXT"]


def test_provenance_on_the_wire_says_what_explain_says(served):
    asked = dig("127.0.0.1", served.port, "_aaaa.www.example.test.explain.vpcdns", "TXT", "-c", "CH")
    assert asked.status == "NOERROR", asked.text
    lines = txt_lines(asked)
    offline = explain(served, "www.example.test", "AAAA", "--from", "127.0.0.1", "--via", f"127.0.0.1:{served.port}")
    steps = [line for line in offline.splitlines() if re.match(r"\d+\. ", line)]
    assert lines[:len(steps)] == steps, (lines, steps)
    assert lines[0] == f"1. query from 127.0.0.1 arriving on 127.0.0.1:{served.port}"
    assert "reason: view default: recursion" in lines


def test_provenance_is_refused_to_clients_not_allowed(served):
    refused = dig("127.0.0.1", served.port, "web.corp.test.explain.vpcdns", "TXT", "-c", "CH", source=VPC_CLIENT)
    assert refused.status == "REFUSED" and not refused.answer, refused.text


def test_provenance_passes_the_door_first(served):
    """127.0.0.64 is in explain.allow but in neither allow nor any VPC: the door refuses it."""
    refused = dig("127.0.0.1", served.port, "web.corp.test.explain.vpcdns", "TXT", "-c", "CH", source="127.0.0.64")
    assert refused.status == "REFUSED" and not refused.answer, refused.text
