"""An upstream that is vpcdns's own listen address would send every forwarded query back to
vpcdns. `check` and `serve` refuse it, whether it is written in `upstreams:` or comes from
resolv.conf (vpcdns on 127.0.0.1:53 while /etc/resolv.conf says `nameserver 127.0.0.1`)."""

from conftest import BASIC_CONFIG, run_vpcdns, write_config


def test_check_refuses_an_upstream_that_is_a_listen_address(tmp_path):
    config = write_config(tmp_path, BASIC_CONFIG, PORT=5399, UPSTREAM="127.0.0.1:5399")
    result = run_vpcdns("check", "--config", str(config))
    assert result.returncode == 1, result
    assert "upstream 127.0.0.1:5399 is vpcdns's own listen address 127.0.0.1:5399" in result.stderr, result.stderr


def test_check_refuses_resolv_conf_naming_vpcdns_itself(tmp_path):
    config = write_config(tmp_path, BASIC_CONFIG.replace('upstreams: ["$UPSTREAM"]', 'upstreams: ["resolv.conf"]')
                          .replace('listen: ["127.0.0.1:$PORT"]', 'listen: ["0.0.0.0:53"]'), PORT=53, UPSTREAM="-")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\n")
    result = run_vpcdns("check", "--config", str(config), "--resolv-conf", str(resolv))
    assert result.returncode == 1, result
    assert f"upstream 127.0.0.1:53 (from {resolv} or a rule's targets) is vpcdns's own listen address 0.0.0.0:53" \
        in result.stderr, result.stderr
    # Any other loopback address reaches a wildcard listener too; a resolver elsewhere does not
    # (check sends nothing to it).
    resolv.write_text("nameserver 127.0.0.53\n")
    looping = run_vpcdns("check", "--config", str(config), "--resolv-conf", str(resolv))
    assert looping.returncode == 1 and "own listen address 0.0.0.0:53" in looping.stderr, looping
    resolv.write_text("nameserver 192.0.2.53\n")
    ok = run_vpcdns("check", "--config", str(config), "--resolv-conf", str(resolv))
    assert ok.returncode == 0 and "OK" in ok.stdout, ok


def test_serve_refuses_to_start_with_a_looping_upstream(tmp_path):
    config = write_config(tmp_path, BASIC_CONFIG, PORT=5399, UPSTREAM="127.0.0.1:5399")
    result = run_vpcdns("serve", "--config", str(config), "--resolv-conf", "/dev/null", timeout=20)
    assert result.returncode == 1, result
    assert "own listen address" in result.stderr, result.stderr
