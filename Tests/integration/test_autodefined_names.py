"""Names a VPC host resolves without configuring them (AWS-DNS-RULES 11) and the corrected
service catalog (AWS-DNS-RULES 12), through the real daemon with dig: reverse names of VPC
addresses, of private ranges outside every VPC and of 127.0.0.1 are answered locally, and the
test upstream's query log shows it was never asked; EC2 names in us-east-1 and in another region;
a forward rule for an autodefined name overrides it; `autodefined_reverse: false` sends reverse
names upstream again."""

from types import SimpleNamespace

import pytest

from conftest import NO_VPC_CLIENT, VPC_CLIENT, run_vpcdns, write_config

TOKYO_CLIENT = VPC_CLIENT      # 127.0.0.17, in VPC A's 127.0.0.16/28
VIRGINIA_CLIENT = "127.0.0.33"  # in VPC B's 127.0.0.32/28

TARGET_DATA = [
    'local-zone: "20.172.in-addr.arpa." static',
    'local-data: "20.172.in-addr.arpa. 300 IN SOA ns.rule.test. hostmaster.rule.test. 1 3600 600 86400 300"',
    'local-data: "1.0.20.172.in-addr.arpa. 300 IN PTR onprem-host.corp.test."',
]

# "Public" answers the default upstream has for names the VPC answers privately.
PUBLIC_DATA = [
    'local-data: "ecs-a.ap-northeast-1.amazonaws.com. 300 IN A 198.51.100.50"',
    'local-data: "ecs-a-1.ap-northeast-1.amazonaws.com. 300 IN A 198.51.100.51"',
    'local-data: "dkr.ecr.ap-northeast-1.amazonaws.com. 300 IN A 198.51.100.52"',
    'local-data: "ssm.ap-northeast-1.amazonaws.com. 300 IN A 198.51.100.1"',
]

CONFIG = """\
listen: ["127.0.0.1:$PORT"]
upstreams: ["$UPSTREAM"]
allow: ["127.0.0.0/8"]
upstream_timeout_ms: 500
upstream_tries: 1
vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: ap-northeast-1
    cidrs: ["10.10.0.0/16", "127.0.0.16/28", "fd00:10:10::/48"]
    enable_dns_hostnames: true
    instances:
      - { id: i-0123456789abcdef0, ipv4: 10.10.5.5, public_ipv4: 203.0.113.25 }
      - id: i-0123456789abcdef1
        ipv4: 10.10.5.6
        ipv6: "fd00:10:10::6"
        hostname_type: resource-name
        resource_name_a: true
        resource_name_aaaa: true
    rules:
      - { domain: 20.172.in-addr.arpa, type: forward, targets: ["$TARGET"] }
    endpoints:
      - { id: vpce-0a00000000000000a, service: com.amazonaws.ap-northeast-1.ecr.dkr, dns_suffix: aaaaaaaa, private_dns: true, interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.10 }] }
      - { id: vpce-0a00000000000000b, service: com.amazonaws.ap-northeast-1.ecr.api, dns_suffix: bbbbbbbb, private_dns: true, interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.11 }] }
      - { id: vpce-0a00000000000000c, service: com.amazonaws.ap-northeast-1.ecs-agent, dns_suffix: cccccccc, private_dns: true, interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.12 }] }
      - { id: vpce-0a00000000000000d, service: com.amazonaws.ap-northeast-1.ecs-telemetry, dns_suffix: dddddddd, private_dns: true, interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.13 }] }
      - { id: vpce-0a00000000000000e, service: com.amazonaws.ap-northeast-1.kinesis-firehose, dns_suffix: eeeeeeee, private_dns: true, interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.14 }] }
      - { id: vpce-0a00000000000000f, service: com.amazonaws.ap-northeast-1.dynamodb-streams, dns_suffix: ffffffff, interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.15 }] }
      - { id: vpce-0a000000000000010, service: com.amazonaws.ap-northeast-1.logs, dns_suffix: gggggggg, private_dns: true, interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.16 }] }
      - { id: vpce-0a000000000000011, service: com.amazonaws.ap-northeast-1.kinesisvideo, dns_suffix: hhhhhhhh, private_dns: true, interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.17 }] }
      - { id: vpce-0a000000000000012, service: com.amazonaws.ap-northeast-1.ssm, dns_suffix: iiiiiiii, private_dns: true }
      - { id: vpce-0a000000000000013, service: com.amazonaws.ap-northeast-1.dynamodb, dns_suffix: jjjjjjjj, interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.19 }] }
      - { id: vpce-0a000000000000014, service: aws.sagemaker.ap-northeast-1.notebook, dns_suffix: kkkkkkkk, private_dns: true, interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.20 }] }
      - { id: vpce-0a000000000000015, service: api.aws.ap-northeast-1.cassandra-streams, dns_suffix: llllllll, private_dns: true, interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.21 }] }
      - { id: vpce-0a000000000000016, service: com.amazonaws.ap-northeast-1.ssmmessages, dns_suffix: mmmmmmmm, private_dns: true, interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.22 }] }
  - id: vpc-0b1b2c3d4e5f60719
    region: us-east-1
    cidrs: ["10.20.0.0/16", "127.0.0.32/28"]
    enable_dns_hostnames: true
    autodefined_reverse: false
    instances:
      - { id: i-0223456789abcdef0, ipv4: 10.20.1.1, public_ipv4: 198.51.100.9 }
"""

TOKYO = "ap-northeast-1.compute.internal"


@pytest.fixture(scope="module")
def served(module_launcher):
    default = module_launcher.unbound(extra=PUBLIC_DATA)
    target = module_launcher.unbound(data=TARGET_DATA)
    daemon = module_launcher.vpcdns(CONFIG, UPSTREAM=default.address, TARGET=target.address)
    return SimpleNamespace(default=default, target=target, daemon=daemon)


def reverse(address: str) -> str:
    return ".".join(reversed(address.split("."))) + ".in-addr.arpa"


def never_forwarded(served, name, rtype):
    assert served.default.asked(name, rtype) == 0, served.default.queries()
    assert served.target.asked(name, rtype) == 0, served.target.queries()


@pytest.mark.parametrize("address, name", [
    ("10.10.5.5", f"ip-10-10-5-5.{TOKYO}."),
    ("10.10.5.6", f"i-0123456789abcdef1.{TOKYO}."),   # resource-name: the PTR gives the hostname
    ("10.10.1.10", f"ip-10-10-1-10.{TOKYO}."),        # an endpoint interface
])
def test_ptr_of_a_vpc_address_is_answered_locally(served, address, name):
    """Rule 11.2: `dig -x` of an address in the VPC gives its EC2 name; the upstream never sees it."""
    result = served.daemon.dig(reverse(address), "PTR", source=TOKYO_CLIENT)
    assert result.status == "NOERROR" and result.rdata("PTR") == [name], result
    assert result.ttls("PTR") == [60] and "aa" not in result.flags, result
    never_forwarded(served, reverse(address), "PTR")


def test_ptr_of_a_vpc_address_without_a_name_is_nxdomain_locally(served):
    result = served.daemon.dig(reverse("10.10.9.9"), "PTR", source=TOKYO_CLIENT)
    assert result.status == "NXDOMAIN" and result.answer == [], result
    assert [r.rtype for r in result.authority] == ["SOA"] and result.authority[0].name == "10.10.in-addr.arpa.", result
    assert result.authority[0].ttl == 60, result
    never_forwarded(served, reverse("10.10.9.9"), "PTR")


@pytest.mark.parametrize("client", [TOKYO_CLIENT, NO_VPC_CLIENT])
@pytest.mark.parametrize("address, zone", [
    ("192.168.7.7", "168.192.in-addr.arpa."),
    ("172.31.4.4", "31.172.in-addr.arpa."),
    ("10.99.1.1", "10.in-addr.arpa."),
])
def test_ptr_of_a_private_address_outside_every_vpc_is_nxdomain_locally(served, client, address, zone):
    """Rule 11.1 and RFC 6303: RFC 1918 reverse names never leave, in a VPC or in the default view."""
    result = served.daemon.dig(reverse(address), "PTR", source=client)
    assert result.status == "NXDOMAIN" and result.answer == [], result
    assert [(r.name, r.rtype) for r in result.authority] == [(zone, "SOA")], result
    never_forwarded(served, reverse(address), "PTR")


@pytest.mark.parametrize("client", [TOKYO_CLIENT, NO_VPC_CLIENT])
def test_ptr_of_loopback_is_localhost_locally(served, client):
    result = served.daemon.dig("1.0.0.127.in-addr.arpa", "PTR", source=client)
    assert result.status == "NOERROR" and result.rdata("PTR") == ["localhost."], result
    localhost = served.daemon.dig("localhost", "A", source=client)
    assert localhost.status == "NOERROR" and localhost.rdata("A") == ["127.0.0.1"], localhost
    never_forwarded(served, "1.0.0.127.in-addr.arpa", "PTR")
    never_forwarded(served, "localhost", "A")


@pytest.mark.parametrize("client, name, rtype, expected", [
    (TOKYO_CLIENT, f"ip-10-10-5-5.{TOKYO}", "A", ["10.10.5.5"]),
    (TOKYO_CLIENT, f"i-0123456789abcdef1.{TOKYO}", "A", ["10.10.5.6"]),
    (TOKYO_CLIENT, f"i-0123456789abcdef1.{TOKYO}", "AAAA", ["fd00:10:10::6"]),
    (TOKYO_CLIENT, "ec2-203-0-113-25.ap-northeast-1.compute.amazonaws.com", "A", ["10.10.5.5"]),
    (VIRGINIA_CLIENT, "ip-10-20-1-1.ec2.internal", "A", ["10.20.1.1"]),
    (VIRGINIA_CLIENT, "ec2-198-51-100-9.compute-1.amazonaws.com", "A", ["10.20.1.1"]),
])
def test_ec2_names_in_us_east_1_and_another_region(served, client, name, rtype, expected):
    """Rule 11.2: IP-based, resource-based and public names, answered inside the VPC."""
    result = served.daemon.dig(name, rtype, source=client)
    assert result.status == "NOERROR" and result.rdata(rtype) == expected, result
    never_forwarded(served, name, rtype)


def test_unknown_ec2_name_is_nxdomain_locally(served):
    result = served.daemon.dig(f"ip-10-10-9-9.{TOKYO}", "A", source=TOKYO_CLIENT)
    assert result.status == "NXDOMAIN" and result.authority[0].name == f"{TOKYO}.", result
    never_forwarded(served, f"ip-10-10-9-9.{TOKYO}", "A")


def test_ec2_names_are_not_local_outside_the_vpc(served):
    """A client in no VPC has no EC2 domains: the name goes to the upstream."""
    served.daemon.dig(f"ip-10-10-5-5.{TOKYO}", "A", source=NO_VPC_CLIENT)
    assert served.default.asked(f"ip-10-10-5-5.{TOKYO}", "A") == 1


def test_forward_rule_overrides_the_autodefined_reverse_zone(served):
    """Rule 11.1: a forward rule for 20.172.in-addr.arpa sends those PTR queries to its targets."""
    result = served.daemon.dig(reverse("172.20.0.1"), "PTR", source=TOKYO_CLIENT)
    assert result.status == "NOERROR" and result.rdata("PTR") == ["onprem-host.corp.test."], result
    assert served.target.asked(reverse("172.20.0.1"), "PTR") == 1
    assert served.default.asked(reverse("172.20.0.1"), "PTR") == 0


def test_autodefined_reverse_false_sends_reverse_names_upstream(served):
    """Rule 11.1: with `autodefined_reverse: false` PTR queries follow the normal rule order,
    here the default upstream; the VPC's EC2 names stay local."""
    served.daemon.dig(reverse("10.20.1.1"), "PTR", source=VIRGINIA_CLIENT)
    assert served.default.asked(reverse("10.20.1.1"), "PTR") == 1
    served.daemon.dig("1.0.0.127.in-addr.arpa", "PTR", source=VIRGINIA_CLIENT)
    assert served.default.asked("1.0.0.127.in-addr.arpa", "PTR") == 1


@pytest.mark.parametrize("name, expected", [
    ("dkr.ecr.ap-northeast-1.amazonaws.com", ["10.10.1.10"]),
    ("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com", ["10.10.1.10"]),
    ("dkr-ecr.ap-northeast-1.on.aws", ["10.10.1.10"]),
    ("123456789012.dkr-ecr.ap-northeast-1.on.aws", ["10.10.1.10"]),
    ("api.ecr.ap-northeast-1.amazonaws.com", ["10.10.1.11"]),
    ("ecr.ap-northeast-1.api.aws", ["10.10.1.11"]),
    ("ecs-a.ap-northeast-1.amazonaws.com", ["10.10.1.12"]),
    ("vpce-0a00000000000000c-cccccccc.ecs-a.ap-northeast-1.vpce.amazonaws.com", ["10.10.1.12"]),
    ("ecs-t.ap-northeast-1.amazonaws.com", ["10.10.1.13"]),
    ("vpce-0a00000000000000d-dddddddd.ecs-t.ap-northeast-1.vpce.amazonaws.com", ["10.10.1.13"]),
    ("firehose.ap-northeast-1.amazonaws.com", ["10.10.1.14"]),
    ("vpce-0a00000000000000e-eeeeeeee.firehose.ap-northeast-1.vpce.amazonaws.com", ["10.10.1.14"]),
    ("vpce-0a00000000000000f-ffffffff.streams.dynamodb.ap-northeast-1.vpce.amazonaws.com", ["10.10.1.15"]),
    ("logs.ap-northeast-1.api.aws", ["10.10.1.16"]),
    ("streaming-logs.ap-northeast-1.amazonaws.com", ["10.10.1.16"]),
    ("streaming-logs.ap-northeast-1.api.aws", ["10.10.1.16"]),
    ("stream1.kinesisvideo.ap-northeast-1.amazonaws.com", ["10.10.1.17"]),
    ("vpce-0a000000000000013-jjjjjjjj.dynamodb.ap-northeast-1.vpce.amazonaws.com", ["10.10.1.19"]),
    ("nb1.notebook.ap-northeast-1.sagemaker.aws", ["10.10.1.20"]),
    ("cassandra-streams.ap-northeast-1.api.aws", ["10.10.1.21"]),
    ("ssmmessages.ap-northeast-1.api.aws", ["10.10.1.22"]),
    # An interface endpoint without subnets: its private name resolves to nothing, never to
    # the public address the upstream has.
    ("ssm.ap-northeast-1.amazonaws.com", []),
])
def test_corrected_catalog_entries(served, name, expected):
    """Rule 12: every corrected catalog entry, answered from the VPC without the upstream."""
    result = served.daemon.dig(name, "A", source=TOKYO_CLIENT)
    assert result.status == "NOERROR" and sorted(result.rdata("A")) == expected, result
    never_forwarded(served, name, "A")


def test_numbered_ecs_agent_hosts_stay_public(served):
    result = served.daemon.dig("ecs-a-1.ap-northeast-1.amazonaws.com", "A", source=TOKYO_CLIENT)
    assert result.status == "NOERROR" and result.rdata("A") == ["198.51.100.51"], result
    assert served.default.asked("ecs-a-1.ap-northeast-1.amazonaws.com", "A") == 1


def test_zones_lists_the_autodefined_zones_and_their_records(tmp_path):
    """`vpcdns zones` shows what the autodefined zones answer: EC2 names and PTRs per VPC."""
    config = write_config(tmp_path, CONFIG, PORT=5399, UPSTREAM="127.0.0.1:5300", TARGET="127.0.0.1:5301")
    result = run_vpcdns("zones", "--config", str(config))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"ip-10-10-5-5.{TOKYO}. 60 IN A 10.10.5.5" in lines, result.stdout
    assert f"5.5.10.10.in-addr.arpa. 60 IN PTR ip-10-10-5-5.{TOKYO}." in lines, result.stdout
    assert "ec2-198-51-100-9.compute-1.amazonaws.com. 60 IN A 10.20.1.1" in lines, result.stdout
    autodefined = [line for line in lines if line.startswith(";; autodefined zones")]
    assert len(autodefined) == 2, result.stdout
    assert " 10.10.in-addr.arpa. " in autodefined[0] and " ap-northeast-1.compute.internal. " in autodefined[0]
    # autodefined_reverse: false in the us-east-1 VPC: EC2 domains only.
    assert "in-addr.arpa" not in autodefined[1] and " ec2.internal. " in autodefined[1], autodefined[1]


REFUSED = """\
listen: ["127.0.0.1:5399"]
upstreams: ["127.0.0.1:5300"]
vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: ap-northeast-1
    cidrs: ["10.10.0.0/16"]
    enable_dns_hostnames: true
    endpoints:
      - { id: vpce-0a00000000000000a, service: com.amazonaws.ap-northeast-1.dynamodb, dns_suffix: aaaaaaaa, private_dns: true, interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.10 }] }
      - { id: vpce-0a00000000000000b, service: com.amazonaws.ap-northeast-1.s3, dns_suffix: bbbbbbbb, private_dns: true, private_dns_only_for_inbound_resolver_endpoint: true, interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.11 }] }
"""


def test_check_refuses_with_aws_texts(tmp_path):
    """Rule 12: private DNS on DynamoDB's interface endpoint, and S3's inbound-only private DNS
    without a Gateway endpoint, are refused with AWS's own texts, at their config lines."""
    config = write_config(tmp_path, REFUSED)
    result = run_vpcdns("check", "--config", str(config))
    assert result.returncode == 1, result
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{config}:9:") and line.endswith(
        ": Private DNS can't be enabled because the service com.amazonaws.ap-northeast-1.dynamodb "
        "does not provide a private DNS name.") for line in lines), result.stderr
    assert any(line.startswith(f"{config}:10:") and line.endswith(
        ": InvalidParameter: To set PrivateDnsOnlyForInboundResolverEndpoint to true, the VPC "
        "vpc-0a1b2c3d4e5f60718 must have a Gateway endpoint for the service.") for line in lines), result.stderr
