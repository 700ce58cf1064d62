"""`vpcdns verify`: vpcdns's own query log (Route 53 Resolver's format) replayed against the config
offline and against the running server passes; after the config changes, the offline replay
fails with a readable diff. Hand-written YAML cases and an AWS-written log line work the same."""

import json

from conftest import CORP_ZONE, CORP_ZONE_CONFIG, SSM_NAME, VPC_CLIENT, run_vpcdns, wait_for

CONFIG = CORP_ZONE_CONFIG + """\
query_log:
  path: logs/query.log
"""


def logged(path, count):
    def read():
        if not path.exists():
            return None
        lines = [line for line in path.read_text().splitlines() if line.strip()]
        return lines if len(lines) >= count else None
    assert wait_for(read, 5), path.read_text() if path.exists() else "no query log"


def verify(*args):
    return run_vpcdns("verify", *args)


def test_own_query_log_replays_and_a_config_change_shows_a_diff(vpcdns):
    daemon = vpcdns(CONFIG, {"zones/corp.test.zone": CORP_ZONE, "logs/.keep": ""})
    log = daemon.config.parent / "logs" / "query.log"
    assert daemon.dig("web.corp.test", source=VPC_CLIENT).status == "NOERROR"
    assert daemon.dig("nope.corp.test", source=VPC_CLIENT).status == "NXDOMAIN"
    assert daemon.dig(SSM_NAME, source=VPC_CLIENT).status == "NOERROR"
    assert daemon.dig("www.example.test", source=VPC_CLIENT).status == "NOERROR"
    assert daemon.dig("txt.example.test", "TXT").status == "NOERROR"
    logged(log, 5)
    # The replay against the server is logged too: verify a copy of what was recorded so far.
    recorded = daemon.config.parent / "recorded.log"
    recorded.write_text("".join(log.read_text().splitlines(keepends=True)[:5]))
    log = recorded

    offline = verify("--config", str(daemon.config), str(log))
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert offline.stdout.strip().endswith("3 checked, 3 passed, 0 failed, 2 not checked"), offline.stdout

    online = verify("--server", f"127.0.0.1:{daemon.port}", str(log))
    assert online.returncode == 0, online.stdout + online.stderr
    assert online.stdout.strip().endswith("5 checked, 5 passed, 0 failed"), online.stdout

    zone = daemon.config.parent / "zones" / "corp.test.zone"
    zone.write_text(zone.read_text().replace("10.10.3.20", "10.10.3.99"))
    changed = verify("--config", str(daemon.config), str(log))
    assert changed.returncode == 1, changed.stdout
    assert (f"DIFF {log}:1: web.corp.test. A from {VPC_CLIENT}\n"
            "  - A 10.10.3.20\n"
            "  + A 10.10.3.99\n") in changed.stdout, changed.stdout
    assert "3 checked, 2 passed, 1 failed, 2 not checked" in changed.stdout


CASES = """\
- { name: web.corp.test, from: 127.0.0.17, answers: ["A 10.10.3.20"] }
- { name: nope.corp.test, from: 127.0.0.17, rcode: NXDOMAIN }
- name: web.corp.test
  from: 127.0.0.17
  rcode: NXDOMAIN
"""


def test_hand_written_cases(tmp_path, vpcdns):
    daemon = vpcdns(CORP_ZONE_CONFIG, {"zones/corp.test.zone": CORP_ZONE})
    cases = tmp_path / "cases.yaml"
    cases.write_text(CASES)
    result = verify("--config", str(daemon.config), str(cases))
    assert result.returncode == 1, result.stdout + result.stderr
    assert (f"DIFF {cases}:3: web.corp.test. A from 127.0.0.17\n"
            "  rcode: expected NXDOMAIN, got NOERROR\n"
            "  + A 10.10.3.20\n") in result.stdout, result.stdout
    assert "3 checked, 2 passed, 1 failed" in result.stdout

    cases.write_text(CASES.rsplit("- name:", 1)[0])
    assert verify("--server", f"127.0.0.1:{daemon.port}", str(cases)).returncode == 0

    cases.write_text("- { name: web.corp.test, form: 127.0.0.17 }\n")
    bad = verify("--config", str(daemon.config), str(cases))
    assert bad.returncode == 2 and f"{cases}:1: unknown key 'form'" in bad.stderr, bad.stderr


def test_a_log_line_as_aws_writes_it(tmp_path, vpcdns):
    daemon = vpcdns(CORP_ZONE_CONFIG, {"zones/corp.test.zone": CORP_ZONE})
    record = {"version": "1.100000", "account_id": "111122223333", "region": "ap-northeast-1",
              "vpc_id": "vpc-0a1b2c3d4e5f60718", "query_timestamp": "2024-06-12T12:43:49Z",
              "query_name": SSM_NAME + ".", "query_type": "A", "query_class": "IN", "rcode": "NOERROR",
              "answers": [{"Rdata": "10.10.1.10", "Type": "A", "Class": "IN"},
                          {"Rdata": "10.10.2.10", "Type": "A", "Class": "IN"}],
              "srcaddr": "10.10.0.244", "srcport": "41234", "transport": "UDP",
              "srcids": {"instance": "i-0123456789abcdef0"}}
    log = tmp_path / "aws.log"
    log.write_text(json.dumps(record) + "\n")
    result = verify("--config", str(daemon.config), str(log))
    assert result.returncode == 0 and "1 checked, 1 passed, 0 failed" in result.stdout, result.stdout + result.stderr
