"""Hostile or careless input files: a FIFO where a config, zone, $INCLUDE or query log belongs,
RDATA larger than a record can hold. None may hang `check`, a reload or a stop, or crash the
daemon; each is refused with the file (and line) named."""

import json
import os
import signal
import subprocess
import time

from conftest import (BASIC_CONFIG, CORP_ZONE, CORP_ZONE_CONFIG, SSM_NAME, VPC_CLIENT, run_vpcdns,
                      stop_process, wait_for)

# `check` answers in well under a second; a hang (waiting on a FIFO) runs into this.
CHECK_TIMEOUT = 20


def check(config):
    try:
        return run_vpcdns("check", "--config", str(config), timeout=CHECK_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"vpcdns check {config} hung (still running after {CHECK_TIMEOUT}s)")


def write_corp(directory, zone=CORP_ZONE, upstream="127.0.0.1:9"):
    (directory / "zones").mkdir(parents=True, exist_ok=True)
    (directory / "zones" / "corp.test.zone").write_text(zone)
    config = directory / "vpcdns.yaml"
    config.write_text(CORP_ZONE_CONFIG.replace("$PORT", "5399").replace("$UPSTREAM", upstream))
    return config


def test_check_refuses_a_fifo_config(tmp_path):
    config = tmp_path / "vpcdns.yaml"
    os.mkfifo(config)
    result = check(config)
    assert result.returncode == 1, result
    assert f"{config}: cannot read the config file: not a regular file (a FIFO)" in result.stderr, result.stderr


def test_check_refuses_a_fifo_zone(tmp_path):
    config = write_corp(tmp_path)
    zone = tmp_path / "zones" / "corp.test.zone"
    zone.unlink()
    os.mkfifo(zone)
    result = check(config)
    assert result.returncode == 1, result
    assert "corp.test.zone: cannot read the zone file: not a regular file (a FIFO)" in result.stderr, result.stderr


def test_check_refuses_a_fifo_include(tmp_path):
    config = write_corp(tmp_path, CORP_ZONE + "$INCLUDE more.zone\n")
    os.mkfifo(tmp_path / "zones" / "more.zone")
    result = check(config)
    assert result.returncode == 1, result
    line = len(CORP_ZONE.splitlines()) + 1
    assert f"corp.test.zone:{line}:10: cannot read $INCLUDE file" in result.stderr, result.stderr
    assert "not a regular file (a FIFO)" in result.stderr, result.stderr


def test_check_refuses_rdata_over_65535_bytes_at_its_line(tmp_path):
    strings = " ".join(['"' + "a" * 255 + '"'] * 257)
    caa = "x" * 70_000
    config = write_corp(tmp_path, CORP_ZONE + f"big  IN TXT {strings}\ncaa  IN CAA 0 issue \"{caa}\"\n")
    result = check(config)
    assert result.returncode == 1, result
    line = len(CORP_ZONE.splitlines()) + 1
    assert f"corp.test.zone:{line}:9: TXT RDATA of 65792 bytes exceeds the 65535 a record can hold" in result.stderr, result.stderr
    assert f"corp.test.zone:{line + 1}:9: CAA RDATA of 70007 bytes exceeds the 65535 a record can hold" in result.stderr, result.stderr


def test_sighup_with_a_fifo_zone_fails_the_reload_and_sigterm_still_stops(vpcdns):
    daemon = vpcdns(CORP_ZONE_CONFIG, {"zones/corp.test.zone": CORP_ZONE})
    zone = daemon.config.parent / "zones" / "corp.test.zone"
    zone.unlink()
    os.mkfifo(zone)
    assert daemon.reload() == "failed", daemon.stderr_text()
    assert "cannot read the zone file: not a regular file (a FIFO)" in daemon.stderr_text()
    # The control queue is free: a second reload is acted on, and the old config still serves.
    assert daemon.reload() == "failed", daemon.stderr_text()
    assert daemon.dig("web.corp.test", source=VPC_CLIENT).rdata("A") == ["10.10.3.20"]
    assert stop_within(daemon) == 0


def query_log_config(path):
    return BASIC_CONFIG + f"""\
query_log:
  path: {path}
  account_id: "111122223333"
"""


def stop_within(daemon, seconds=10):
    """SIGTERM, then the exit status; fails if the daemon does not exit within `seconds`."""
    daemon.send_stop()
    exited = wait_for(lambda: daemon.proc.poll() is not None, seconds)
    if not exited:
        stop_process(daemon.proc, signal.SIGKILL)
        raise AssertionError(f"SIGTERM did not stop vpcdns within {seconds}s:\n{daemon.stderr_text()[-3000:]}")
    daemon.expected_exit = None
    return daemon.proc.returncode


def many_local_queries(daemon, count):
    """`count` queries for the endpoint name (answered locally, so each one is logged) in one dig run."""
    batch = daemon.directory / "batch.txt"
    batch.write_text(f"{SSM_NAME} A\n" * count)
    subprocess.run(["dig", "-p", str(daemon.port), "-b", VPC_CLIENT, f"@{daemon.host}", "-f", str(batch),
                    "+tries=1", "+timeout=2", "+short"], capture_output=True, timeout=120, check=True)


def test_query_log_fifo_without_reader_neither_blocks_serving_nor_stop(vpcdns, tmp_path):
    fifo = tmp_path / "query.fifo"
    os.mkfifo(fifo)
    daemon = vpcdns(query_log_config(fifo))
    many_local_queries(daemon, 50)
    assert daemon.dig(SSM_NAME, source=VPC_CLIENT).status == "NOERROR"
    assert stop_within(daemon) == 0
    text = daemon.stderr_text()
    assert f"cannot open query log {fifo}: a FIFO without a reader" in text, text
    assert "query log: records dropped" in text and "dropped=51" in text.replace('"', ""), text


def test_query_log_fifo_with_a_stalled_reader_keeps_lines_whole_and_stop_finishes(vpcdns, tmp_path):
    fifo = tmp_path / "query.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # opened, never read until the end
    try:
        daemon = vpcdns(query_log_config(fifo))
        many_local_queries(daemon, 600)  # ~250 KB of records against a 64 KiB pipe
        assert daemon.dig(SSM_NAME, source=VPC_CLIENT).status == "NOERROR"
        assert stop_within(daemon) == 0
        data = b""
        while chunk := os.read(reader, 65536):
            data += chunk
    finally:
        os.close(reader)
    assert data.endswith(b"\n"), data[-200:]
    lines = data.decode().splitlines()
    assert all(json.loads(line)["query_name"] == SSM_NAME + "." for line in lines)
    text = daemon.stderr_text().replace('"', "")
    dropped = int(text.split("dropped_total=")[-1].split()[0])
    assert len(lines) > 0 and dropped > 0 and len(lines) + dropped == 601, (len(lines), dropped, text[-2000:])


def records(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def logged(path, count, timeout=5):
    assert wait_for(lambda: len(records(path)) >= count, timeout), f"{path}: {records(path)}"
    return records(path)


def test_reload_adds_changes_and_removes_the_query_log(vpcdns):
    daemon = vpcdns(BASIC_CONFIG, {"logs/.keep": ""})
    folder = daemon.config.parent / "logs"
    first, second = folder / "first.log", folder / "second.log"
    assert daemon.dig(SSM_NAME, source=VPC_CLIENT).status == "NOERROR"

    daemon.config.write_text(daemon.config.read_text() + 'query_log:\n  path: logs/first.log\n  account_id: "111122223333"\n')
    assert daemon.reload() == "reloaded", daemon.stderr_text()
    daemon.dig(SSM_NAME, source=VPC_CLIENT)
    (record,) = logged(first, 1)
    assert record["account_id"] == "111122223333", record

    daemon.config.write_text(daemon.config.read_text().replace("logs/first.log", "logs/second.log").replace("111122223333", "444455556666"))
    assert daemon.reload() == "reloaded", daemon.stderr_text()
    daemon.dig(SSM_NAME, source=VPC_CLIENT)
    (record,) = logged(second, 1)
    assert record["account_id"] == "444455556666", record

    daemon.config.write_text(daemon.config.read_text().split("query_log:")[0])
    assert daemon.reload() == "reloaded", daemon.stderr_text()
    daemon.dig(SSM_NAME, source=VPC_CLIENT)
    time.sleep(0.6)  # three flush intervals: a record would have been written by now
    assert len(records(first)) == 1 and len(records(second)) == 1, (records(first), records(second))
