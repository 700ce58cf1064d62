"""Process lifecycle: SIGTERM and SIGINT stop the daemon gracefully (exit 0, ports released, a
query in flight still answered); a config or bind failure at start is exit 1 with the reason."""

import signal
import socket
import subprocess
import threading

import pytest

from conftest import BASIC_CONFIG, free_port, stop_process, vpcdns_binary, wait_for, write_config


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_gracefully_and_releases_the_port(vpcdns, sig):
    daemon = vpcdns(BASIC_CONFIG)
    assert daemon.dig("www.example.test").rdata("A") == ["192.0.2.10"]
    assert daemon.stop(sig) == 0, daemon.stderr_text()
    assert " notice stopping" in daemon.stderr_text()
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as sock:
            sock.bind(("127.0.0.1", daemon.port))  # raises if the daemon still holds it


@pytest.mark.parametrize("transport", [
    pytest.param([], id="udp"),
    pytest.param(["+tcp"], id="tcp"),
])
def test_query_in_flight_is_answered_during_the_stop(vpcdns, transport):
    """A forwarded query waiting on a silent upstream when SIGTERM arrives still gets its SERVFAIL:
    the upstream timeout (400 ms) is shorter than the daemon's drain time (1 s)."""
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        config = BASIC_CONFIG.replace("upstream_timeout_ms: 500", "upstream_timeout_ms: 400")
        daemon = vpcdns(config, UPSTREAM=f"127.0.0.1:{silent.getsockname()[1]}")
        results = []
        worker = threading.Thread(target=lambda: results.append(daemon.dig("www.example.test", "A", *transport,
                                                                           time_s=3)))
        worker.start()
        assert wait_for(lambda: _readable(silent), 5), "the query never reached the upstream"
        daemon.send_stop()
        worker.join(10)
        assert daemon.stop() == 0
        assert results and results[0].status == "SERVFAIL", results
    finally:
        silent.close()


def _readable(sock):
    try:
        sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        return True
    except BlockingIOError:
        return False


def serve(config, timeout=15):
    proc = subprocess.Popen([vpcdns_binary(), "serve", "--config", str(config)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _, stderr = proc.communicate(timeout=timeout)
    finally:
        stop_process(proc)
    return proc.returncode, stderr


def test_bad_config_at_start_is_exit_1_with_file_and_line(tmp_path):
    config = write_config(tmp_path, BASIC_CONFIG.replace("dns_suffix:", "dns_sufix:"), PORT=free_port(),
                          UPSTREAM="127.0.0.1:9")
    code, stderr = serve(config)
    assert code == 1, stderr
    assert f"{config}:" in stderr and "dns_sufix" in stderr, stderr


def test_address_in_use_at_start_is_exit_1_naming_it(tmp_path):
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind(("127.0.0.1", port))
        config = write_config(tmp_path, BASIC_CONFIG, PORT=port, UPSTREAM="127.0.0.1:9")
        code, stderr = serve(config)
    assert code == 1, stderr
    assert f"127.0.0.1:{port}" in stderr, stderr
