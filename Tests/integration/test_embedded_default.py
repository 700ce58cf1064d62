"""The embedded default config: `vpcdns serve` (or bare `vpcdns`, serve being the default command)
without --config listens on 127.0.0.1:5353 and [::1]:5353 and answers like a host in the example VPC.

Network rule: that config forwards to the nameservers of resolv.conf. /etc/resolv.conf names a
server outside this sandbox, so the daemon gets `--resolv-conf` with a file naming 127.0.0.1
(nothing forwarded can leave the host, even if a regression forwarded a local name), and the tests
ask ONLY names the embedded config answers itself (the example endpoints' private and vpce names)."""

import socket

import pytest

from conftest import Launcher

PORT = 5353
SSM = ("ssm.ap-northeast-1.amazonaws.com", {"10.10.1.10", "10.10.2.10"})
# Names answered locally by the embedded config (see Sources/VPCConfig/EmbeddedDefault.swift).
LOCAL_NAMES = [
    SSM,
    ("kms.ap-northeast-1.amazonaws.com", {"10.10.1.13", "10.10.2.13"}),
    ("vpce-0f3a8c21d47b95e6a-q2k7x9mb.ssm.ap-northeast-1.vpce.amazonaws.com", {"10.10.1.10", "10.10.2.10"}),
    ("vpce-0f3a8c21d47b95e6a-q2k7x9mb-ap-northeast-1c.ssm.ap-northeast-1.vpce.amazonaws.com", {"10.10.2.10"}),
]


def require_port_5353_free():
    busy = []
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            with socket.socket(family, kind) as sock:
                if kind == socket.SOCK_STREAM:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no owner
                try:
                    sock.bind((host, PORT))
                except OSError as error:
                    busy.append(f"{'UDP' if kind == socket.SOCK_DGRAM else 'TCP'} [{host}]:{PORT}: {error}")
    if busy:
        pytest.fail("the embedded default config listens on port 5353, which is in use here; stop "
                    "whatever holds it to run this test:\n  " + "\n  ".join(busy), pytrace=False)


@pytest.fixture(scope="module", params=[["serve"], []], ids=["vpcdns-serve", "bare-vpcdns"])
def embedded(request, tmp_path_factory):
    """One daemon per way of starting it, stopped (exit 0 expected) before the next one starts."""
    require_port_5353_free()
    directory = tmp_path_factory.mktemp("embedded")
    resolv_conf = directory / "resolv.conf"
    resolv_conf.write_text("nameserver 127.0.0.1\n")
    launch = Launcher(directory)
    try:
        yield launch.vpcdns(None, args=[*request.param, "--resolv-conf", str(resolv_conf)], port=PORT)
    finally:
        launch.close()


@pytest.mark.parametrize("server", ["127.0.0.1", "::1"])
def test_answers_the_example_vpc_names(embedded, server):
    for name, addresses in LOCAL_NAMES:
        result = embedded.dig(name, "A", server=server)
        assert result.status == "NOERROR" and set(result.rdata("A")) == addresses, result
        assert result.flags == {"qr", "rd", "ra"} and set(result.ttls()) == {60}, result


def test_tcp_and_nodata(embedded):
    name, addresses = SSM
    result = embedded.dig(name, "A", "+tcp")
    assert result.transport == "TCP" and set(result.rdata("A")) == addresses, result
    nodata = embedded.dig(name, "AAAA")
    assert nodata.status == "NOERROR" and nodata.answer == [] and [r.rtype for r in nodata.authority] == ["SOA"], nodata
    shadowed = embedded.dig("shadowed." + name, "A")
    assert shadowed.status == "NXDOMAIN", shadowed
