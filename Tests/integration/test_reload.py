"""SIGHUP reload (DESIGN invariants): a good config is swapped in whole; a bad config or zone file
is reported with file:line and the running config keeps serving, in a daemon that stays up."""

import re

import pytest

from conftest import BASIC_CONFIG, CORP_ZONE as ZONE, CORP_ZONE_CONFIG as CONFIG, SSM_IPS, SSM_NAME, VPC_CLIENT



@pytest.fixture
def daemon(vpcdns):
    served = vpcdns(CONFIG, {"zones/corp.test.zone": ZONE})
    assert_serving_original(served)
    return served


def assert_serving_original(daemon):
    ssm = daemon.dig(SSM_NAME, source=VPC_CLIENT)
    assert ssm.status == "NOERROR" and set(ssm.rdata("A")) == SSM_IPS, ssm
    web = daemon.dig("web.corp.test", source=VPC_CLIENT)
    assert web.status == "NOERROR" and web.rdata("A") == ["10.10.3.20"], web


def line_of(text, needle):
    """1-based number of the line holding `needle`."""
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def test_good_reload_changes_answers(daemon):
    config = daemon.config.read_text()
    daemon.config.write_text(config.replace("ipv4: 10.10.2.10", "ipv4: 10.10.2.99"))
    zone = daemon.config.parent / "zones" / "corp.test.zone"
    zone.write_text(zone.read_text() + "new  IN A   10.10.3.30\n")
    assert daemon.reload() == "reloaded", daemon.stderr_text()
    ssm = daemon.dig(SSM_NAME, source=VPC_CLIENT)
    assert set(ssm.rdata("A")) == {"10.10.1.10", "10.10.2.99"}, ssm
    assert daemon.dig("new.corp.test", source=VPC_CLIENT).rdata("A") == ["10.10.3.30"]


def test_reload_with_an_unknown_key_keeps_serving_and_names_the_line(daemon):
    broken = daemon.config.read_text().replace("private_dns: true", "privat_dns: true")
    daemon.config.write_text(broken)
    assert daemon.reload() == "failed"
    assert daemon.alive()
    line = line_of(broken, "privat_dns")
    stderr = daemon.stderr_text()
    assert re.search(rf"{re.escape(str(daemon.config))}:{line}:\d+: .*privat_dns", stderr), stderr
    assert_serving_original(daemon)


def test_reload_with_a_yaml_syntax_error_keeps_serving_and_names_the_line(daemon):
    config = daemon.config.read_text()
    broken = config.replace('cidrs: ["10.10.0.0/16", "127.0.0.16/28"]', 'cidrs: ["10.10.0.0/16", "127.0.0.16/28"')
    assert broken != config
    daemon.config.write_text(broken)
    assert daemon.reload() == "failed"
    assert daemon.alive()
    assert re.search(rf"{re.escape(str(daemon.config))}:\d+:\d+: ", daemon.stderr_text()), daemon.stderr_text()
    assert_serving_original(daemon)


def test_reload_with_a_broken_zone_file_keeps_the_old_zone(daemon):
    zone = daemon.config.parent / "zones" / "corp.test.zone"
    broken = zone.read_text().replace("web  IN A   10.10.3.20", "web  IN A   10.10.3.999") + "new  IN A   10.10.3.30\n"
    zone.write_text(broken)
    assert daemon.reload() == "failed"
    assert daemon.alive()
    line = line_of(broken, "10.10.3.999")
    stderr = daemon.stderr_text()
    assert re.search(rf"{re.escape(str(zone))}:{line}:\d+: .*10\.10\.3\.999", stderr), stderr
    assert_serving_original(daemon)
    # Nothing of the broken file got in: not even its good new line.
    assert daemon.dig("new.corp.test", source=VPC_CLIENT).status == "NXDOMAIN"

    # Fixing the file and reloading again recovers.
    zone.write_text(broken.replace("10.10.3.999", "10.10.3.21"))
    assert daemon.reload() == "reloaded", daemon.stderr_text()
    assert daemon.dig("web.corp.test", source=VPC_CLIENT).rdata("A") == ["10.10.3.21"]
    assert daemon.dig("new.corp.test", source=VPC_CLIENT).rdata("A") == ["10.10.3.30"]


def test_reload_with_a_missing_zone_file_keeps_serving(daemon):
    (daemon.config.parent / "zones" / "corp.test.zone").rename(daemon.config.parent / "elsewhere.zone")
    assert daemon.reload() == "failed"
    assert "corp.test.zone" in daemon.stderr_text().split("reload failed", 1)[1]
    assert_serving_original(daemon)


def test_reload_adds_and_removes_listeners(daemon):
    config = daemon.config.read_text()
    added = config.replace('listen: ["127.0.0.1:$PORT"]'.replace("$PORT", str(daemon.port)),
                           f'listen: ["127.0.0.1:{daemon.port}", "127.0.0.4:{daemon.port}"]')
    assert added != config
    daemon.config.write_text(added)
    assert daemon.reload() == "reloaded", daemon.stderr_text()
    result = daemon.dig("www.example.test", server="127.0.0.4")
    assert result.rdata("A") == ["192.0.2.10"], result

    daemon.config.write_text(config)
    assert daemon.reload() == "reloaded", daemon.stderr_text()
    gone = daemon.dig("www.example.test", server="127.0.0.4", time_s=1)
    assert gone.status is None, gone
    assert daemon.dig("www.example.test").rdata("A") == ["192.0.2.10"]
