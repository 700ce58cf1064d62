"""Endpoint-specific names (AWS-DNS-RULES 2): vpce-<id>-<suffix>[-<az>].<service>.<region>.vpce.amazonaws.com
resolve for every client, in a VPC or not, to the ENI addresses: the regional name to all of
them, a zonal name to the one in its AZ; S3 endpoints have wildcard names."""

from types import SimpleNamespace

import pytest

from conftest import NO_VPC_CLIENT, SSM_REGIONAL, SSM_ZONAL_1A, SSM_ZONAL_1C, VPC_CLIENT

CONFIG = """\
listen: ["127.0.0.1:$PORT"]
upstreams: ["$UPSTREAM"]
allow: ["127.0.0.0/8"]
upstream_timeout_ms: 500
upstream_tries: 1
vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: ap-northeast-1
    cidrs: ["10.10.0.0/16", "fd00:10:10::/56", "127.0.0.16/28"]
    enable_dns_hostnames: true
    endpoints:
      - id: vpce-0f3a8c21d47b95e6a
        service: com.amazonaws.ap-northeast-1.ssm
        dns_suffix: q2k7x9mb
        private_dns: true
        interfaces:
          - { az: ap-northeast-1a, ipv4: 10.10.1.10 }
          - { az: ap-northeast-1c, ipv4: 10.10.2.10 }
      - id: vpce-0aa11bb22cc33dd44
        service: com.amazonaws.ap-northeast-1.s3
        dns_suffix: s3abcdef
        interfaces:
          - { az: ap-northeast-1a, ipv4: 10.10.1.20 }
          - { az: ap-northeast-1c, ipv4: 10.10.2.20 }
      - id: vpce-0123456789abcdef0
        service: com.amazonaws.ap-northeast-1.kms
        dns_suffix: kmsdual1
        ip_type: dualstack
        private_dns: true
        interfaces:
          - { az: ap-northeast-1a, ipv4: 10.10.1.30, ipv6: "fd00:10:10:1::30" }
          - { az: ap-northeast-1c, ipv4: 10.10.2.30, ipv6: "fd00:10:10:2::30" }
"""

S3_BASE = "vpce-0aa11bb22cc33dd44-s3abcdef.s3.ap-northeast-1.vpce.amazonaws.com"
S3_ZONAL_1C = "vpce-0aa11bb22cc33dd44-s3abcdef-ap-northeast-1c.s3.ap-northeast-1.vpce.amazonaws.com"
KMS_REGIONAL = "vpce-0123456789abcdef0-kmsdual1.kms.ap-northeast-1.vpce.amazonaws.com"
KMS_ZONAL_1A = "vpce-0123456789abcdef0-kmsdual1-ap-northeast-1a.kms.ap-northeast-1.vpce.amazonaws.com"


@pytest.fixture(scope="module")
def served(module_launcher):
    upstream = module_launcher.unbound()
    daemon = module_launcher.vpcdns(CONFIG, UPSTREAM=upstream.address)
    return SimpleNamespace(upstream=upstream, daemon=daemon)


def answer_of(served, name, rtype="A", source=NO_VPC_CLIENT):
    result = served.daemon.dig(name, rtype, source=source)
    assert result.status == "NOERROR", result
    assert result.flags == {"qr", "rd", "ra"}, result
    assert set(result.ttls()) == {60}, result
    return result


@pytest.mark.parametrize("source", [NO_VPC_CLIENT, VPC_CLIENT], ids=["no-vpc", "in-vpc"])
def test_regional_name_answers_every_eni(served, source):
    result = answer_of(served, SSM_REGIONAL, source=source)
    assert sorted(result.rdata("A")) == ["10.10.1.10", "10.10.2.10"], result
    assert served.upstream.asked(SSM_REGIONAL) == 0


@pytest.mark.parametrize("name, address", [(SSM_ZONAL_1A, "10.10.1.10"), (SSM_ZONAL_1C, "10.10.2.10")],
                         ids=["1a", "1c"])
def test_zonal_name_answers_the_eni_of_its_az(served, name, address):
    result = answer_of(served, name)
    assert result.rdata("A") == [address], result
    assert served.upstream.asked(name) == 0


def test_regional_name_of_an_ipv4_endpoint_has_no_aaaa(served):
    result = served.daemon.dig(SSM_REGIONAL, "AAAA", source=NO_VPC_CLIENT)
    assert result.status == "NOERROR" and result.answer == [], result
    assert [r.rtype for r in result.authority] == ["SOA"], result


def test_dualstack_endpoint_names_have_a_and_aaaa(served):
    assert sorted(answer_of(served, KMS_REGIONAL, "AAAA").rdata("AAAA")) == ["fd00:10:10:1::30", "fd00:10:10:2::30"]
    assert answer_of(served, KMS_ZONAL_1A, "AAAA").rdata("AAAA") == ["fd00:10:10:1::30"]
    assert answer_of(served, KMS_ZONAL_1A, "A").rdata("A") == ["10.10.1.30"]


@pytest.mark.parametrize("label", ["bucket", "accesspoint", "control", "my-bucket-name"])
def test_s3_wildcard_regional_name(served, label):
    name = f"{label}.{S3_BASE}"
    result = answer_of(served, name)
    assert sorted(result.rdata("A")) == ["10.10.1.20", "10.10.2.20"], result
    assert result.answer[0].name == name + ".", result  # the wildcard is expanded to the query name
    assert served.upstream.asked(name) == 0


def test_s3_wildcard_zonal_name(served):
    result = answer_of(served, f"bucket.{S3_ZONAL_1C}")
    assert result.rdata("A") == ["10.10.2.20"], result


def test_unknown_endpoint_id_is_not_answered_locally(served):
    """A vpce name of an endpoint that is not configured is not invented: it goes upstream,
    which (like the public zone for a deleted endpoint) has nothing."""
    name = "vpce-0ffffffffffffffff-zzzzzzzz.ssm.ap-northeast-1.vpce.amazonaws.com"
    result = served.daemon.dig(name, source=NO_VPC_CLIENT)
    assert result.status == "NXDOMAIN" and result.answer == [], result
    assert served.upstream.asked(name) == 1
