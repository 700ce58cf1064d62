"""Route 53 Resolver style query log (AWS-DNS-RULES 8, 7.4): one JSON object per non-cached query
with AWS's field names, cached answers not logged, and the file reopened on SIGHUP (log rotation)."""

import json

from conftest import BASIC_CONFIG, SSM_IPS, SSM_NAME, VPC_CLIENT, wait_for

CONFIG = BASIC_CONFIG + """\
query_log:
  path: logs/query.log
  account_id: "111122223333"
"""


def records(path, count, timeout=5):
    """The log's JSON records once there are at least `count` (or fails)."""
    def read():
        if not path.exists():
            return None
        lines = [line for line in path.read_text().splitlines() if line.strip()]
        return lines if len(lines) >= count else None
    lines = wait_for(read, timeout)
    assert lines, f"fewer than {count} records in {path}: {path.read_text() if path.exists() else 'no file'}"
    return [json.loads(line) for line in lines]


def test_records_have_aws_fields_and_cached_answers_are_not_logged(vpcdns):
    daemon = vpcdns(CONFIG, {"logs/.keep": ""})
    log = daemon.config.parent / "logs" / "query.log"
    assert daemon.dig(SSM_NAME, source=VPC_CLIENT).status == "NOERROR"
    assert daemon.dig("www.example.test").status == "NOERROR"
    assert daemon.dig("www.example.test").status == "NOERROR"  # from the cache: not logged
    assert daemon.dig("missing.example.test", "+tcp").status == "NXDOMAIN"

    local, forwarded, nxdomain = records(log, 3)
    assert local["version"] == "1.100000" and local["account_id"] == "111122223333", local
    assert local["region"] == "ap-northeast-1" and local["vpc_id"] == "vpc-0a1b2c3d4e5f60718", local
    assert local["query_name"] == SSM_NAME + "." and local["query_type"] == "A" and local["query_class"] == "IN"
    assert local["rcode"] == "NOERROR" and local["transport"] == "UDP", local
    assert {answer["Rdata"] for answer in local["answers"]} == SSM_IPS, local
    assert all(answer["Type"] == "A" and answer["Class"] == "IN" for answer in local["answers"]), local
    assert local["srcaddr"] == VPC_CLIENT and isinstance(local["srcport"], str) and local["srcport"].isdigit(), local
    assert local["query_timestamp"].endswith("Z"), local

    assert forwarded["query_name"] == "www.example.test." and forwarded["srcaddr"] == "127.0.0.1", forwarded
    assert forwarded["answers"] == [{"Rdata": "192.0.2.10", "Type": "A", "Class": "IN"}], forwarded
    assert nxdomain["rcode"] == "NXDOMAIN" and nxdomain["transport"] == "TCP", nxdomain
    assert len(records(log, 3)) == 3, "the cached answer was logged"


def test_sighup_reopens_the_log_for_rotation(vpcdns):
    daemon = vpcdns(CONFIG, {"logs/.keep": ""})
    log = daemon.config.parent / "logs" / "query.log"
    daemon.dig(SSM_NAME, source=VPC_CLIENT)
    records(log, 1)
    rotated = log.with_name("query.log.1")
    log.rename(rotated)
    assert daemon.reload() == "reloaded", daemon.stderr_text()
    daemon.dig("www.example.test")
    (record,) = records(log, 1)
    assert record["query_name"] == "www.example.test.", record
    assert len(records(rotated, 1)) == 1
