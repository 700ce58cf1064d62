"""Route 53 Resolver rules (AWS-DNS-RULES 6.2-6.5): a forward rule sends its domain to its own
targets instead of the default upstream, the most specific rule wins, a system rule carves a
subdomain back out, a rule on exactly a private name beats the private zone, and a dead target is
SERVFAIL. Rules belong to their VPC: clients in no VPC use the default upstream."""

from types import SimpleNamespace

import pytest

from conftest import NO_VPC_CLIENT, SSM_ENDPOINT, SSM_IPS, SSM_NAME, VPC_CLIENT, free_port

# The rule target: a second unbound whose answers differ from the default upstream's.
TARGET_DATA = [
    'local-zone: "rule.test." static',
    'local-data: "rule.test. 300 IN SOA ns.rule.test. hostmaster.rule.test. 1 3600 600 86400 300"',
    'local-data: "www.rule.test. 300 IN A 192.0.2.200"',
    'local-data: "www.sys.rule.test. 300 IN A 192.0.2.201"',
    'local-zone: "amazonaws.com." static',
    'local-data: "ssm.ap-northeast-1.amazonaws.com. 300 IN A 198.51.100.201"',
    'local-data: "ssmmessages.ap-northeast-1.amazonaws.com. 300 IN A 198.51.100.203"',
    'local-data: "kms.ap-northeast-1.amazonaws.com. 300 IN A 198.51.100.204"',
]

CONFIG = """\
listen: ["127.0.0.1:$PORT"]
upstreams: ["$UPSTREAM"]
allow: ["127.0.0.0/8"]
upstream_timeout_ms: 400
upstream_tries: 1
vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: ap-northeast-1
    cidrs: ["10.10.0.0/16", "127.0.0.16/28"]
    enable_dns_hostnames: true
    endpoints:
$SSM
      - id: vpce-02e7f4a9c61b3d85e
        service: com.amazonaws.ap-northeast-1.kms
        dns_suffix: 9tfkc2ul
        private_dns: true
        interfaces:
          - { az: ap-northeast-1a, ipv4: 10.10.1.13 }
    rules:
      - { domain: rule.test, type: forward, targets: ["$TARGET"] }
      - { domain: sys.rule.test, type: system }
      - { domain: amazonaws.com, type: FORWARD, targets: ["$TARGET"] }
      - { domain: kms.ap-northeast-1.amazonaws.com, type: forward, targets: ["$TARGET"] }
      - { domain: dead.test, type: forward, targets: ["$DEAD"] }
"""


@pytest.fixture(scope="module")
def served(module_launcher):
    default = module_launcher.unbound()
    target = module_launcher.unbound(data=TARGET_DATA)
    daemon = module_launcher.vpcdns(CONFIG, UPSTREAM=default.address, TARGET=target.address,
                                    DEAD=f"127.0.0.1:{free_port()}", SSM=SSM_ENDPOINT.rstrip("\n"))
    return SimpleNamespace(default=default, target=target, daemon=daemon)


def test_forward_rule_sends_its_domain_to_its_targets(served):
    result = served.daemon.dig("www.rule.test", source=VPC_CLIENT)
    assert result.status == "NOERROR" and result.rdata("A") == ["192.0.2.200"], result
    assert served.target.asked("www.rule.test") == 1
    assert served.default.asked("www.rule.test") == 0


def test_system_rule_carves_a_subdomain_out_of_the_forward_rule(served):
    result = served.daemon.dig("www.sys.rule.test", source=VPC_CLIENT)
    assert result.status == "NOERROR" and result.rdata("A") == ["192.0.2.101"], result
    assert served.default.asked("www.sys.rule.test") == 1
    assert served.target.asked("www.sys.rule.test") == 0


def test_rules_do_not_apply_outside_the_vpc(served):
    result = served.daemon.dig("www.rule.test", source=NO_VPC_CLIENT)
    assert result.status == "NOERROR" and result.rdata("A") == ["192.0.2.100"], result


def test_more_specific_private_name_beats_a_broad_forward_rule(served):
    """A forward rule for amazonaws.com takes the rest of amazonaws.com, but the ssm endpoint's
    private name is more specific and still answers privately."""
    private = served.daemon.dig(SSM_NAME, source=VPC_CLIENT)
    assert set(private.rdata("A")) == SSM_IPS, private
    assert served.target.asked(SSM_NAME) == 0
    other = served.daemon.dig("ssmmessages.ap-northeast-1.amazonaws.com", source=VPC_CLIENT)
    assert other.rdata("A") == ["198.51.100.203"], other


def test_forward_rule_for_exactly_the_private_name_wins(served):
    result = served.daemon.dig("kms.ap-northeast-1.amazonaws.com", source=VPC_CLIENT)
    assert result.rdata("A") == ["198.51.100.204"], result
    assert "10.10.1.13" not in result.text


def test_dead_rule_target_is_servfail(served):
    result = served.daemon.dig("www.dead.test", source=VPC_CLIENT, time_s=6)
    assert result.status == "SERVFAIL", result
    assert served.default.asked("www.dead.test") == 0
