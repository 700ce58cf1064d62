"""Private DNS of an interface endpoint (AWS-DNS-RULES 3): the service's default name answers with
the endpoint's ENI addresses inside the VPC, shadows everything below it, and is public outside."""

from types import SimpleNamespace

import pytest

from conftest import BASIC_CONFIG, NO_VPC_CLIENT, SSM_IPS, SSM_NAME, VPC_CLIENT


@pytest.fixture(scope="module")
def served(module_launcher):
    upstream = module_launcher.unbound()
    daemon = module_launcher.vpcdns(BASIC_CONFIG, UPSTREAM=upstream.address)
    return SimpleNamespace(upstream=upstream, daemon=daemon)


def test_private_name_answers_every_eni_address_like_aws(served):
    result = served.daemon.dig(SSM_NAME, source=VPC_CLIENT)
    assert result.status == "NOERROR", result
    assert sorted(result.rdata("A")) == sorted(SSM_IPS), result
    assert len(result.answer) == 2, result
    assert result.ttls() == [60, 60], result
    # AWS-DNS-RULES 3.10: `qr rd ra`, never `aa`; 3.8: no authority section on positive answers.
    assert result.flags == {"qr", "rd", "ra"}, result
    assert result.authority == [], result
    assert result.edns_udp == 4096, result
    assert served.upstream.asked(SSM_NAME) == 0, served.upstream.queries()


def test_answer_order_rotates_across_queries(served):
    orders = {tuple(served.daemon.dig(SSM_NAME, source=VPC_CLIENT).rdata("A")) for _ in range(4)}
    assert all(sorted(order) == sorted(SSM_IPS) for order in orders), orders
    assert len(orders) == 2, f"the answer order never changed: {orders}"


def test_aaaa_on_an_ipv4_endpoint_is_nodata_with_soa_ttl_60(served):
    result = served.daemon.dig(SSM_NAME, "AAAA", source=VPC_CLIENT)
    assert result.status == "NOERROR", result
    assert result.answer == [], result
    assert [(r.name, r.rtype, r.ttl) for r in result.authority] == [(SSM_NAME + ".", "SOA", 60)], result
    assert "qr" in result.flags and "aa" not in result.flags, result
    assert served.upstream.asked(SSM_NAME, "AAAA") == 0


def test_names_below_the_private_name_are_nxdomain_and_not_forwarded(served):
    name = "foo." + SSM_NAME
    result = served.daemon.dig(name, source=VPC_CLIENT)
    assert result.status == "NXDOMAIN", result
    assert "198.51.100.2" not in result.text, result
    assert [(r.name, r.rtype, r.ttl) for r in result.authority] == [(SSM_NAME + ".", "SOA", 60)], result
    assert served.upstream.asked(name) == 0, "the shadowed name was forwarded"
    # Control: the upstream does hold the name, and a client in no VPC gets it from there.
    public = served.daemon.dig(name, source=NO_VPC_CLIENT)
    assert public.status == "NOERROR" and public.rdata("A") == ["198.51.100.2"], public
    assert served.upstream.asked(name) >= 1


def test_a_different_label_is_not_shadowed(served):
    result = served.daemon.dig("ssmmessages.ap-northeast-1.amazonaws.com", source=VPC_CLIENT)
    assert result.status == "NOERROR" and result.rdata("A") == ["198.51.100.3"], result


def test_clients_in_no_vpc_get_the_public_answer(served):
    result = served.daemon.dig(SSM_NAME, source=NO_VPC_CLIENT)
    assert result.status == "NOERROR" and result.rdata("A") == ["198.51.100.1"], result
