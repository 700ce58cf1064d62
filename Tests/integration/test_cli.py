"""`vpcdns check` and `vpcdns zones`: validation with file:line:column errors and exit codes, and
the managed zones printed in zone-file format. No daemon is started here."""

import re

import dns.rdatatype
import dns.rrset
import pytest

from conftest import BASIC_CONFIG, CORP_ZONE as ZONE, CORP_ZONE_CONFIG as CONFIG, REPO, SSM_NAME, run_vpcdns, write_config



def write(tmp_path, config=CONFIG, zone=ZONE):
    return write_config(tmp_path, config, {"zones/corp.test.zone": zone}, PORT=5399, UPSTREAM="127.0.0.1:5300")


def line_of(text, needle):
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def test_check_accepts_a_good_config(tmp_path):
    config = write(tmp_path)
    result = run_vpcdns("check", "--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout and result.stderr == "", result


def test_check_accepts_the_reference_config():
    result = run_vpcdns("check", "--config", str(REPO / "Config" / "vpcdns.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_names_a_misspelt_key_with_file_line_column(tmp_path):
    config = write(tmp_path, CONFIG.replace("private_dns: true", "privat_dns: true"))
    result = run_vpcdns("check", "--config", str(config))
    assert result.returncode == 1, result
    line = line_of(config.read_text(), "privat_dns")
    column = config.read_text().splitlines()[line - 1].index("privat_dns") + 1
    assert re.search(rf"^{re.escape(str(config))}:{line}:{column}: .*privat_dns.*private_dns", result.stderr, re.M), \
        result.stderr


def test_check_names_a_bad_zone_file_line(tmp_path):
    config = write(tmp_path, zone=ZONE.replace("web  IN A   10.10.3.20", "web  IN A   10.10.3"))
    zone = tmp_path / "zones" / "corp.test.zone"
    result = run_vpcdns("check", "--config", str(config))
    assert result.returncode == 1, result
    line = line_of(zone.read_text(), "web  IN A")
    assert re.search(rf"^{re.escape(str(zone))}:{line}:\d+: ", result.stderr, re.M), result.stderr


def test_check_reports_every_error_at_once(tmp_path):
    broken = CONFIG.replace("10.10.1.10", "10.99.1.10").replace("10.10.2.10", "10.99.2.10")
    config = write(tmp_path, broken)
    result = run_vpcdns("check", "--config", str(config))
    assert result.returncode == 1, result
    lines = re.findall(rf"^{re.escape(str(config))}:(\d+):\d+: ", result.stderr, re.M)
    assert {int(line) for line in lines} == {line_of(broken, "10.99.1.10"), line_of(broken, "10.99.2.10")}, \
        result.stderr


def test_check_missing_file(tmp_path):
    result = run_vpcdns("check", "--config", str(tmp_path / "nope.yaml"))
    assert result.returncode == 1 and "nope.yaml" in result.stderr, result


def zone_records(text):
    """The record lines of `vpcdns zones` output, parsed by dnspython."""
    records = []
    for line in text.splitlines():
        if not line.strip() or line.startswith(";") or line.startswith("$"):
            continue
        name, ttl, rclass, rtype, rdata = line.split(None, 4)
        records.append(dns.rrset.from_text(name, int(ttl), rclass, rtype, rdata))
    return records


def test_zones_prints_the_managed_zones_in_zone_file_format(tmp_path):
    config = write(tmp_path)
    result = run_vpcdns("zones", "--config", str(config))
    assert result.returncode == 0, result.stderr
    records = zone_records(result.stdout)  # every line parses as a resource record
    at_ssm = {(rrset.rdtype, rrset[0].to_text()) for rrset in records if rrset.name.to_text() == SSM_NAME + "."}
    assert (dns.rdatatype.A, "10.10.1.10") in at_ssm and (dns.rdatatype.A, "10.10.2.10") in at_ssm, result.stdout
    assert any(rdtype == dns.rdatatype.SOA for rdtype, _ in at_ssm), result.stdout
    assert any(rdtype == dns.rdatatype.NS for rdtype, _ in at_ssm), result.stdout
    # The zone file's records and the endpoint-specific names are listed too.
    texts = {f"{rrset.name} {rrset.rdtype} {rrset[0]}" for rrset in records}
    assert f"web.corp.test. {dns.rdatatype.A} 10.10.3.20" in texts, result.stdout
    assert any(name.startswith("vpce-0f3a8c21d47b95e6a-q2k7x9mb-ap-northeast-1a.") for name in
               (rrset.name.to_text() for rrset in records)), result.stdout


def test_zones_on_a_bad_config_fails_with_the_errors(tmp_path):
    config = write(tmp_path, CONFIG.replace("private_dns: true", "privat_dns: true"))
    result = run_vpcdns("zones", "--config", str(config))
    assert result.returncode == 1 and f"{config}:" in result.stderr, result


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["check", "--help"]])
def test_help_and_version(args):
    result = run_vpcdns(*args)
    assert result.returncode == 0 and result.stdout.strip(), result
