"""Forwarding to the default upstream: names vpcdns does not own are answered by the upstream,
with the client's ID and question case, AA cleared, over UDP and TCP."""

import socket
from types import SimpleNamespace

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from conftest import BASIC_CONFIG, NO_VPC_CLIENT, VPC_CLIENT


@pytest.fixture(scope="module")
def served(module_launcher):
    upstream = module_launcher.unbound()
    daemon = module_launcher.vpcdns(BASIC_CONFIG, UPSTREAM=upstream.address)
    return SimpleNamespace(upstream=upstream, daemon=daemon)


@pytest.mark.parametrize("source", [NO_VPC_CLIENT, VPC_CLIENT], ids=["no-vpc", "in-vpc"])
def test_name_only_the_upstream_knows(served, source):
    before = served.upstream.asked("www.example.test")
    result = served.daemon.dig("www.example.test", source=source)
    assert result.status == "NOERROR" and result.rdata("A") == ["192.0.2.10"], result
    # unbound answers its local data with AA; the VPC resolver never sets it (AWS-DNS-RULES 3.10).
    assert result.flags == {"qr", "rd", "ra"}, result
    assert served.upstream.asked("www.example.test") <= before + 1


def test_forwarded_cname_txt_nodata_and_nxdomain(served):
    # unbound answers a local-data CNAME without chasing it; vpcdns passes that answer on as is.
    alias = served.daemon.dig("alias.example.test")
    assert [(r.rtype, r.data) for r in alias.answer] == [("CNAME", "www.example.test.")], alias
    txt = served.daemon.dig("txt.example.test", "TXT")
    assert txt.rdata("TXT") == ['"hello from unbound"'], txt
    nodata = served.daemon.dig("txt.example.test", "AAAA")
    assert nodata.status == "NOERROR" and nodata.answer == [], nodata
    assert [r.rtype for r in nodata.authority] == ["SOA"], nodata
    nxdomain = served.daemon.dig("nothing-here.example.test")
    assert nxdomain.status == "NXDOMAIN" and [r.rtype for r in nxdomain.authority] == ["SOA"], nxdomain
    assert served.upstream.asked("nothing-here.example.test") == 1


def test_forwarded_over_tcp(served):
    result = served.daemon.dig("www.example.test", "AAAA", "+tcp")
    assert result.transport == "TCP" and result.rdata("AAAA") == ["2001:db8::10"], result


def test_dig_sees_its_own_id_and_question_case(served):
    """dig checks the ID and the question itself; a mismatch would show as a warning or a timeout."""
    result = served.daemon.dig("MiXeD.ExAmPlE.TeSt")
    assert result.status == "NXDOMAIN", result
    assert result.question == [["MiXeD.ExAmPlE.TeSt.", "IN", "A"]], result
    assert "mismatch" not in result.text.lower(), result


def exchange_all(daemon, queries, timeout=3.0):
    """Sends every query from one UDP socket at once, returns the responses by ID."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        for query in queries:
            sock.sendto(query.to_wire(), (daemon.host, daemon.port))
        responses = {}
        while len(responses) < len(queries):
            data, _ = sock.recvfrom(65535)
            response = dns.message.from_wire(data)
            responses[response.id] = response
        return responses


def test_concurrent_queries_for_one_name_keep_their_ids_and_cases(served):
    """Five clients asking the same uncached name at once: one upstream query may serve them all,
    but each response carries its own ID and its own spelling of the question."""
    spellings = ["big.example.test", "BIG.example.test", "Big.Example.Test", "bIg.ExAmPlE.tEsT", "BIG.EXAMPLE.TEST"]
    queries = [dns.message.make_query(name, "TXT", id=0x1000 + index) for index, name in enumerate(spellings)]
    responses = exchange_all(served.daemon, queries)
    for query in queries:
        response = responses[query.id]
        assert response.flags & dns.flags.QR and not response.flags & dns.flags.AA
        assert response.rcode() == dns.rcode.NOERROR and len(response.answer) == 0
        assert response.question[0].name.to_text() == query.question[0].name.to_text()
    assert served.upstream.asked("big.example.test", "TXT") >= 1


def test_answer_owner_keeps_data_and_id_with_dnspython(served):
    query = dns.message.make_query("WwW.example.TEST", "A", id=0xBEEF)
    response = exchange_all(served.daemon, [query])[0xBEEF]
    assert response.question[0].name.to_text() == "WwW.example.TEST."
    (rrset,) = response.answer
    assert rrset.rdtype == dns.rdatatype.A and [r.address for r in rrset] == ["192.0.2.10"]
