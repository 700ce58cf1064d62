"""The Prometheus endpoint (`metrics:`): /metrics in the text format, scraped with a real HTTP
client, whose counters move with the queries sent; /health; /ready, which turns 503 while the
config on disk failed to reload (the previous config is still served) and 200 again after a
good reload."""

import re
import urllib.error
import urllib.request

import pytest

from conftest import CORP_ZONE, CORP_ZONE_CONFIG, VPC_CLIENT, free_port

VIEW = "vpc-0a1b2c3d4e5f60718"
CONFIG = 'metrics: { listen: "127.0.0.1:$METRICS" }\n' + CORP_ZONE_CONFIG


def get(port, path):
    """(status, body) of GET http://127.0.0.1:port/path."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def scrape(port):
    """Every sample of /metrics as {'name{labels}': value}; checks the exposition format."""
    status, body = get(port, "/metrics")
    assert status == 200, body
    samples = {}
    for line in body.splitlines():
        if not line or line.startswith("#"):
            assert not line or re.match(r"# (HELP|TYPE) vpcdns_\w+ ", line), line
            continue
        match = re.fullmatch(r"(vpcdns_\w+(?:\{[^}]*\})?) (\S+)", line)
        assert match, f"not a sample line: {line!r}"
        samples[match.group(1)] = float(match.group(2))
    return samples


def moved(before, after, series):
    return after.get(series, 0) - before.get(series, 0)


@pytest.fixture
def daemon(vpcdns, unbound_upstream):
    port = free_port()
    served = vpcdns(CONFIG, {"zones/corp.test.zone": CORP_ZONE}, METRICS=port)
    served.metrics_port = port
    served.upstream = unbound_upstream.address
    return served


def test_counters_move_with_the_queries_sent(daemon):
    port = daemon.metrics_port
    before = scrape(port)
    for _ in range(3):
        assert daemon.dig("web.corp.test", source=VPC_CLIENT).status == "NOERROR"
    assert daemon.dig("nope.corp.test", source=VPC_CLIENT).status == "NXDOMAIN"
    assert daemon.dig("www.example.test", source=VPC_CLIENT).status == "NOERROR"  # upstream
    assert daemon.dig("www.example.test", source=VPC_CLIENT).status == "NOERROR"  # cache
    assert daemon.dig("web.corp.test", "AAAA", "+tcp", source=VPC_CLIENT).status == "NOERROR"
    after = scrape(port)

    assert moved(before, after, f'vpcdns_requests_total{{view="{VIEW}",transport="udp",type="A"}}') == 6
    assert moved(before, after, f'vpcdns_requests_total{{view="{VIEW}",transport="tcp",type="AAAA"}}') == 1
    assert moved(before, after, f'vpcdns_responses_total{{view="{VIEW}",rcode="NOERROR"}}') == 6
    assert moved(before, after, f'vpcdns_responses_total{{view="{VIEW}",rcode="NXDOMAIN"}}') == 1
    assert moved(before, after, f'vpcdns_answers_total{{view="{VIEW}",source="private_zone"}}') == 5
    assert moved(before, after, f'vpcdns_answers_total{{view="{VIEW}",source="upstream"}}') == 1
    assert moved(before, after, f'vpcdns_answers_total{{view="{VIEW}",source="cache"}}') == 1
    assert moved(before, after, "vpcdns_cache_hits_total") == 1
    upstream = f'set="0",servers="{daemon.upstream}"'
    assert moved(before, after, f"vpcdns_upstream_queries_total{{{upstream}}}") == 1
    assert moved(before, after, f"vpcdns_upstream_answers_total{{{upstream}}}") == 1
    assert moved(before, after, f'vpcdns_upstream_latency_seconds_bucket{{{upstream},le="+Inf"}}') == 1
    assert moved(before, after, f"vpcdns_upstream_latency_seconds_count{{{upstream}}}") == 1
    assert after["vpcdns_cache_entries"] >= 1
    assert moved(before, after, "vpcdns_tcp_connections_accepted_total") == 1
    assert "vpcdns_cache_stale_answers_total" in after and "vpcdns_tcp_connections" in after
    assert after["vpcdns_query_log_dropped_total"] == 0
    assert after["vpcdns_ready"] == 1
    assert after['vpcdns_build_info{version="' + run_version() + '"}'] == 1
    assert after["vpcdns_config_load_timestamp_seconds"] > 1.7e9
    assert after["vpcdns_config_load_duration_seconds"] > 0


def run_version():
    from conftest import run_vpcdns
    return run_vpcdns("--version").stdout.strip()


def test_health_ready_and_unknown_paths(daemon):
    assert get(daemon.metrics_port, "/health") == (200, "ok\n")
    assert get(daemon.metrics_port, "/ready") == (200, "ready\n")
    assert get(daemon.metrics_port, "/nope")[0] == 404


def test_ready_turns_503_while_a_reload_failed_and_back_after_a_good_one(daemon):
    port = daemon.metrics_port
    good = daemon.config.read_text()
    daemon.config.write_text(good.replace("private_dns: true", "privat_dns: true"))
    assert daemon.reload() == "failed"
    status, body = get(port, "/ready")
    assert status == 503, body
    assert "the last reload failed" in body and "privat_dns" in body, body
    assert get(port, "/health")[0] == 200  # alive, and still answering from the previous config
    assert daemon.dig("web.corp.test", source=VPC_CLIENT).rdata("A") == ["10.10.3.20"]
    samples = scrape(port)
    assert samples["vpcdns_ready"] == 0
    assert samples['vpcdns_reloads_total{result="failed"}'] == 1

    daemon.config.write_text(good)
    assert daemon.reload() == "reloaded"
    assert get(port, "/ready") == (200, "ready\n")
    samples = scrape(port)
    assert samples["vpcdns_ready"] == 1
    assert samples['vpcdns_reloads_total{result="ok"}'] == 1


def test_no_metrics_listener_without_the_setting(vpcdns):
    served = vpcdns(CORP_ZONE_CONFIG, {"zones/corp.test.zone": CORP_ZONE})
    assert "metrics listening" not in served.stderr_text()


def test_rate_limited_drops_are_counted(vpcdns):
    from test_rate_limit import burst
    port = free_port()
    daemon = vpcdns(CONFIG + "rate_limit:\n  packets_per_second: 10\n", {"zones/corp.test.zone": CORP_ZONE}, METRICS=port)
    answered = burst(daemon, "127.0.0.40", 100)
    samples = scrape(port)
    requests = sum(value for series, value in samples.items() if series.startswith("vpcdns_requests_total"))
    # Every packet is either dropped by the limit or counted as a request (and answered).
    assert samples["vpcdns_rate_limited_drops_total"] + requests == 100, samples
    assert 0 < samples["vpcdns_rate_limited_drops_total"] <= 100 - answered, (answered, samples)
