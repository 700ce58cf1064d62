#!/usr/bin/env python3
"""Soak: vpcdns under mixed load for a long time (default 10 minutes), with RSS, open descriptors
and threads sampled, to show they stay flat. Not a test and not in CI: it prints figures.

Load, all on 127.0.0.1: dnsperf over UDP at --qps with a query file that interleaves
  local names (private zone and endpoint names),
  cached forwarded names (1000 names asked over and over),
  unique misses (a new name each time, answered by the upstream: cache inserts),
  unique NXDOMAINs (a new name each time: negative cache inserts),
and a second dnsperf over TCP (-m tcp) at --tcp-qps over --tcp-clients connections, asking local
and cached names. The upstream is an unbound on loopback answering from local data only.
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ZONE = """\
$ORIGIN corp.soak.
$TTL 300
@    IN SOA ns.corp.soak. hostmaster.corp.soak. 1 7200 900 1209600 60
@    IN NS  ns.corp.soak.
ns   IN A   10.10.3.2
""" + "".join(f"host{i} IN A 10.10.4.{i}\n" for i in range(1, 101))

CONFIG = """\
listen: ["127.0.0.1:{port}"]
upstreams: ["127.0.0.1:{upstream}"]
allow: ["127.0.0.0/8"]
upstream_timeout_ms: 1000
upstream_tries: 2
vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: ap-northeast-1
    cidrs: ["10.10.0.0/16", "127.0.0.0/8"]
    enable_dns_hostnames: true
    endpoints:
      - id: vpce-0f3a8c21d47b95e6a
        service: com.amazonaws.ap-northeast-1.ssm
        dns_suffix: q2k7x9mb
        interfaces:
          - {{ az: ap-northeast-1a, ipv4: 10.10.1.10 }}
          - {{ az: ap-northeast-1c, ipv4: 10.10.2.10 }}
    zones:
      - corp.soak.zone
"""

UNBOUND = """\
server:
  interface: 127.0.0.1@{port}
  port: {port}
  do-daemonize: no
  chroot: ""
  username: ""
  pidfile: ""
  directory: "{directory}"
  so-rcvbuf: 4m
  so-reuseport: no
  access-control: 127.0.0.0/8 allow
  num-threads: 1
  use-syslog: no
  logfile: ""
  verbosity: 0
  module-config: "iterator"
  outgoing-interface: 127.0.0.1
  do-ip6: no
  local-zone: "." static
  local-zone: "fwd.soak." static
  local-data: "fwd.soak. 300 IN SOA ns.fwd.soak. h.fwd.soak. 1 3600 600 86400 300"
{fwd}
  local-zone: "miss.soak." redirect
  local-data: "miss.soak. 60 IN A 192.0.2.99"
  local-zone: "nx.soak." static
  local-data: "nx.soak. 300 IN SOA ns.nx.soak. h.nx.soak. 1 3600 600 86400 300"
"""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, socket.socket() as tcp:
        udp.bind(("127.0.0.1", 0))
        port = udp.getsockname()[1]
        tcp.bind(("127.0.0.1", port))
        return port


def proc_status(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def sample(pid):
    return {"rss_kib": proc_status(pid, "VmRSS"), "threads": proc_status(pid, "Threads"),
            "fds": len(os.listdir(f"/proc/{pid}/fd"))}


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average():
    return float(Path("/proc/loadavg").read_text().split()[0])


def query_files(directory, total):
    """The UDP file (one line per query sent, so unique names stay unique) and the TCP file."""
    local = [f"host{i}.corp.soak A" for i in range(1, 101)] + ["nothere.corp.soak A", "host1.corp.soak AAAA",
             "vpce-0f3a8c21d47b95e6a-q2k7x9mb.ssm.ap-northeast-1.vpce.amazonaws.com A"]
    cached = [f"f{i}.fwd.soak A" for i in range(1000)]
    rng = random.Random(1)
    udp = directory / "udp.txt"
    with open(udp, "w") as out:
        for index in range(total):
            kind = index % 10
            if kind < 3:
                out.write(rng.choice(local) + "\n")
            elif kind < 6:
                out.write(rng.choice(cached) + "\n")
            # Fixed-width numbers: names that grew a digit as the run went on would make every
            # cache entry two bytes larger and show as RSS growth that is only the load's.
            elif kind < 8:
                out.write(f"u{index:08d}.miss.soak A\n")
            else:
                out.write(f"n{index:08d}.nx.soak A\n")
    tcp = directory / "tcp.txt"
    tcp.write_text("\n".join(rng.choice(local + cached) for _ in range(10000)) + "\n")
    return udp, tcp


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=".build/release/vpcdns")
    parser.add_argument("--duration", type=int, default=600, help="seconds of load (default 600)")
    parser.add_argument("--qps", type=int, default=5000, help="UDP queries per second (default 5000)")
    parser.add_argument("--tcp-qps", type=int, default=200, help="TCP queries per second (default 200)")
    parser.add_argument("--tcp-clients", type=int, default=20)
    parser.add_argument("--interval", type=int, default=30, help="seconds between samples (default 30)")
    parser.add_argument("--json", help="write the samples and totals here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    for tool in ("dnsperf", "unbound"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: scripts/install-deps.sh test")

    work = Path(tempfile.mkdtemp(prefix="vpcdns-soak-"))
    processes = []
    try:
        upstream_port, port = free_port(), free_port()
        fwd = "\n".join(f'  local-data: "f{i}.fwd.soak. 3600 IN A 192.0.2.{i % 250 + 1}"' for i in range(1000))
        (work / "unbound.conf").write_text(UNBOUND.format(port=upstream_port, directory=work, fwd=fwd))
        unbound = subprocess.Popen(["unbound", "-d", "-c", str(work / "unbound.conf")], stdout=subprocess.DEVNULL,
                                   stderr=open(work / "unbound.log", "w"))
        processes.append(unbound)
        (work / "corp.soak.zone").write_text(ZONE)
        (work / "vpcdns.yaml").write_text(CONFIG.format(port=port, upstream=upstream_port))
        daemon = subprocess.Popen([args.bin, "serve", "--config", str(work / "vpcdns.yaml")],
                                  stdout=subprocess.DEVNULL, stderr=open(work / "vpcdns.log", "w"))
        processes.append(daemon)
        time.sleep(1.5)
        if daemon.poll() is not None:
            sys.exit("vpcdns did not start:\n" + (work / "vpcdns.log").read_text())
        udp_file, tcp_file = query_files(work, args.qps * args.duration + args.qps * 10)

        print(f"soak: {args.duration} s, UDP {args.qps} QPS (30 % local, 30 % cached, 20 % unique misses, "
              f"20 % unique NXDOMAIN), TCP {args.tcp_qps} QPS over {args.tcp_clients} connections", flush=True)
        start_sample, start_cpu, start = sample(daemon.pid), cpu_seconds(daemon.pid), time.monotonic()
        common = ["-s", "127.0.0.1", "-p", str(port), "-l", str(args.duration), "-t", "5"]
        udp = subprocess.Popen(["dnsperf", *common, "-d", str(udp_file), "-Q", str(args.qps), "-c", "4", "-q", "500"],
                               stdout=open(work / "dnsperf-udp.txt", "w"), stderr=subprocess.STDOUT)
        tcp = subprocess.Popen(["dnsperf", *common, "-d", str(tcp_file), "-Q", str(args.tcp_qps), "-m", "tcp",
                                "-c", str(args.tcp_clients), "-q", "100"],
                               stdout=open(work / "dnsperf-tcp.txt", "w"), stderr=subprocess.STDOUT)
        processes += [udp, tcp]
        samples = [{"t": 0, **start_sample, "load": load_average()}]
        print(f"{'t (s)':>6} {'RSS MiB':>8} {'fds':>5} {'threads':>8} {'load':>5}")
        print(f"{0:>6} {start_sample['rss_kib'] / 1024:>8.1f} {start_sample['fds']:>5} {start_sample['threads']:>8} "
              f"{samples[0]['load']:>5.1f}", flush=True)
        while udp.poll() is None or tcp.poll() is None:
            time.sleep(args.interval)
            if daemon.poll() is not None:
                sys.exit("vpcdns died:\n" + (work / "vpcdns.log").read_text()[-2000:])
            now = {"t": round(time.monotonic() - start), **sample(daemon.pid), "load": load_average()}
            samples.append(now)
            print(f"{now['t']:>6} {now['rss_kib'] / 1024:>8.1f} {now['fds']:>5} {now['threads']:>8} "
                  f"{now['load']:>5.1f}", flush=True)
        cpu = cpu_seconds(daemon.pid) - start_cpu
        elapsed = time.monotonic() - start

        def dnsperf_summary(path):
            text = path.read_text()
            summary = {}
            for line in text.splitlines():
                line = line.strip()
                for key in ("Queries sent:", "Queries completed:", "Queries lost:", "Queries per second:"):
                    if line.startswith(key):
                        summary[key.rstrip(":")] = line.split(":", 1)[1].strip()
            return summary

        totals = {"udp": dnsperf_summary(work / "dnsperf-udp.txt"), "tcp": dnsperf_summary(work / "dnsperf-tcp.txt"),
                  "cpu_seconds": round(cpu, 1), "elapsed_seconds": round(elapsed, 1)}
        # RSS slope over the second half, where caches are full or at steady state.
        half = [s for s in samples if s["t"] >= samples[-1]["t"] / 2]
        if len(half) >= 2 and half[-1]["t"] > half[0]["t"]:
            totals["rss_kib_per_minute_second_half"] = round(
                (half[-1]["rss_kib"] - half[0]["rss_kib"]) / ((half[-1]["t"] - half[0]["t"]) / 60), 1)
        totals["peak_rss_mib"] = round(max(s["rss_kib"] for s in samples) / 1024, 1)
        totals["max_threads"] = max(s["threads"] for s in samples)
        totals["max_fds"] = max(s["fds"] for s in samples)
        totals["mean_load"] = round(sum(s["load"] for s in samples) / len(samples), 2)
        print(json.dumps(totals, indent=2))
        if args.json:
            Path(args.json).write_text(json.dumps({"samples": samples, "totals": totals}, indent=2))
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        if args.keep:
            print(f"work directory: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
