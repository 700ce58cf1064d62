#!/usr/bin/env python3
"""Lookup cost against config size: vpcdns with 10, 1,000 and 10,000 interface endpoints (each
with private DNS, so each a private zone of its own, plus its vpce names), queried with dnsperf
for random private names. Zones and rules are found by hashing the query's suffixes, so CPU per
query should barely move while the config grows a thousandfold.

Loopback only: vpcdns listens on 127.0.0.1 and its upstream is a closed loopback port (every
query is answered locally). Usage: bench/scale.py [--bin PATH] [--sizes 10,1000,10000] [--duration S]
"""
import argparse
import os
import random
import shutil
import socket
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, socket.socket() as tcp:
        udp.bind(("127.0.0.1", 0))
        port = udp.getsockname()[1]
        tcp.bind(("127.0.0.1", port))
        return port


def write_config(folder, count, port):
    rnd = random.Random(count)
    lines = [f'listen: ["127.0.0.1:{port}"]', 'upstreams: ["127.0.0.1:9"]', 'allow: ["127.0.0.0/8"]', "vpcs:",
             "  - id: vpc-0a1b2c3d4e5f60718", "    region: us-east-1", '    cidrs: ["10.0.0.0/8"]',
             f'    listen: ["127.0.0.1:{port}"]', "    enable_dns_hostnames: true", "    endpoints:"]
    for i in range(count):
        suffix = "".join(rnd.choice(string.ascii_lowercase) for _ in range(8))
        lines += [f"      - id: vpce-{i:017x}", f"        service: com.amazonaws.us-east-1.svc{i}",
                  f"        dns_suffix: {suffix}", "        private_dns: true", "        interfaces:",
                  f"          - {{ az: us-east-1a, ipv4: 10.{(i >> 8) & 255}.{i & 255}.10 }}"]
    config = folder / f"scale-{count}.yaml"
    config.write_text("\n".join(lines) + "\n")
    queries = folder / f"queries-{count}.txt"
    queries.write_text("".join(f"svc{rnd.randrange(count)}.us-east-1.amazonaws.com A\n" for _ in range(5000)))
    return config, queries


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(binary, count, duration, folder):
    port = free_port()
    config, queries = write_config(folder, count, port)
    log = open(folder / f"serve-{count}.log", "w+")
    server = subprocess.Popen(["taskset", "-c", "1", binary, "serve", "--config", str(config)], stdout=log,
                              stderr=log, stdin=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while "ready" not in (folder / f"serve-{count}.log").read_text():
            if server.poll() is not None or time.time() > deadline:
                sys.exit(f"vpcdns did not start:\n{(folder / f'serve-{count}.log').read_text()}")
            time.sleep(0.1)
        dnsperf = ["taskset", "-c", "0", "dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", str(queries), "-q", "100"]
        subprocess.run(dnsperf + ["-l", "2"], capture_output=True, check=True)  # warm-up
        before = cpu_seconds(server.pid)
        output = subprocess.run(dnsperf + ["-l", str(duration)], capture_output=True, text=True, check=True).stdout
        used = cpu_seconds(server.pid) - before
        rss = next(int(line.split()[1]) for line in Path(f"/proc/{server.pid}/status").read_text().splitlines()
                   if line.startswith("VmHWM"))
    finally:
        server.terminate()
        server.wait(10)
    value = lambda label: next(line.split()[2 if label != "Queries per second:" else 3]
                               for line in output.splitlines() if line.strip().startswith(label))
    completed = int(value("Queries completed:"))
    return {"endpoints": count, "qps": float(value("Queries per second:")), "lost": int(value("Queries lost:")),
            "cpu_us": used * 1e6 / completed, "rss_mib": rss / 1024}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", default=str(REPO / ".build" / "release" / "vpcdns"))
    parser.add_argument("--sizes", default="10,1000,10000")
    parser.add_argument("--duration", type=int, default=6)
    args = parser.parse_args()
    for tool in ("dnsperf", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"missing {tool}: make test-deps")
    folder = Path(tempfile.mkdtemp(prefix="vpcdns-scale-"))
    print("| endpoints (private zones) | QPS | lost | CPU µs/query | peak RSS MiB |")
    print("|---|---|---|---|---|")
    try:
        for count in (int(size) for size in args.sizes.split(",")):
            result = measure(args.bin, count, args.duration, folder)
            print(f"| {count:,} | {result['qps']:,.0f} | {result['lost']} | {result['cpu_us']:.2f} | {result['rss_mib']:.1f} |",
                  flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
