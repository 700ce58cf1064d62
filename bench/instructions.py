#!/usr/bin/env python3
"""User-space instructions per query, counted by valgrind's callgrind: a figure that other load
on the machine cannot disturb, for before/after comparisons of one change.

For each binary given (LABEL=PATH, e.g. the previous commit's build and this one's) and each
scenario of bench/run.py (same config, zone file and query files), it starts the server under
`valgrind --tool=callgrind --instr-atstart=no`, warms it with the query file (fills the cache
for forwarded names), switches instrumentation on, sends the file --passes more times with
dnsperf, and divides the instructions executed (all threads, user space only: the kernel's
share of sendmsg/recvmmsg is not counted) by the queries answered.

    bench/instructions.py before=/tmp/vpcdns-old after=.build/release/vpcdns

A scenario name followed by "+tcp" (e.g. local+tcp) sends the same queries over TCP (dnsperf -m tcp,
which pipelines up to -q queries on each connection).

Everything runs on 127.0.0.1, as bench/run.py does. Needs valgrind (callgrind_control), dnsperf
and unbound; the binaries are measured on copies without debug information (objcopy).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (bench/run.py: config, data and process helpers)


def wait_answering(port, name, process, seconds=180):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            run.die("server under valgrind exited; see its log in the work directory")
        if run.probe(port, name, timeout=1.0) is not None:
            return
        time.sleep(0.5)
    run.die("server under valgrind did not answer")


def callgrind(args, *options):
    return subprocess.run(["callgrind_control", *options, str(args)], capture_output=True, text=True)


def measure(binary, conf, port, query_file, passes, workdir, label, probe_name, mode):
    out = os.path.join(workdir, f"callgrind-{label}.out")
    server = run.Server(f"cg-{label}", ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                                        binary, "serve", "--config", conf, "--log-level", "warning"], workdir, None)
    try:
        wait_answering(port, probe_name, server.process)
        run.run_dnsperf(port, query_file, ["-m", mode, "-n", "1", "-q", "10", "-t", "30"], None,
                        os.path.join(workdir, f"warm-{label}.txt"))
        callgrind(server.pid, "-i", "on")
        output = os.path.join(workdir, f"dnsperf-{label}.txt")
        stats, _ = run.run_dnsperf(port, query_file, ["-m", mode, "-n", str(passes), "-q", "10", "-t", "30"], None, output)
        callgrind(server.pid, "-i", "off")
        answered = stats["completed"]
    finally:
        server.stop()
    total = 0
    for path in [p for p in os.listdir(workdir) if p.startswith(f"callgrind-{label}.out")]:
        with open(os.path.join(workdir, path)) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    total = max(total, int(line.split()[1]))
    return total, answered


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binaries", nargs="+", metavar="LABEL=PATH")
    parser.add_argument("--scenarios", default="local,zone,cached",
                        help="comma-separated: local, zone, cached, mix; add +tcp to a name for TCP (default local,zone,cached)")
    parser.add_argument("--passes", type=int, default=4, help="times the query file is sent while counting (default 4)")
    parser.add_argument("--endpoints", type=int, default=50)
    parser.add_argument("--forwarded", type=int, default=250)
    parser.add_argument("--metrics", action="store_true",
                        help="also measure each binary with the metrics listener on (label+metrics), nothing scraping")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (callgrind-*.out for callgrind_annotate)")
    args = parser.parse_args()
    for tool in ("valgrind", "callgrind_control", "dnsperf", "unbound"):
        if not shutil.which(tool):
            run.die(f"{tool} not found")
    workdir = tempfile.mkdtemp(prefix="vpcdns-instructions-")
    # valgrind 3.19 cannot read the DWARF 5 the Swift toolchain writes: count on copies without it.
    binaries = []
    for label, path in (b.split("=", 1) for b in args.binaries):
        copy = os.path.join(workdir, f"vpcdns-{label}")
        subprocess.run(["objcopy", "--strip-debug", path, copy], check=True)
        binaries.append((label, copy))
    upstream_port, port = run.free_port(), run.free_port()
    forwarded = [f"fwd-{i:04d}.bench.example." for i in range(args.forwarded)]
    conf = os.path.join(workdir, "vpcdns.yaml")
    with open(conf, "w") as f:
        f.write(run.vpcdns_config(port, upstream_port, args.endpoints))
    configs = [("", conf)]
    if args.metrics:
        conf_metrics = os.path.join(workdir, "vpcdns-metrics.yaml")
        with open(conf_metrics, "w") as f:
            f.write(run.vpcdns_config(port, upstream_port, args.endpoints, run.free_port()))
        configs.append(("+metrics", conf_metrics))
    with open(os.path.join(workdir, run.ZONE_FILE), "w") as f:
        f.write(run.zone_file_text())
    zones_text = subprocess.run([binaries[0][1], "zones", "--config", conf], capture_output=True, text=True, check=True).stdout
    zones, endpoint_records = run.parse_zones_report(zones_text)
    files, private, _ = run.query_files(workdir, zones, endpoint_records, forwarded)
    upstream_conf = os.path.join(workdir, "upstream-unbound.conf")
    with open(upstream_conf, "w") as f:
        f.write(run.upstream_unbound_config(upstream_port, workdir, os.path.join(workdir, "upstream.ctl"), forwarded))
    results = {}
    try:
        upstream = run.Server("upstream-unbound", ["unbound", "-d", "-c", upstream_conf], workdir, None)
        run.wait_ready(upstream_port, forwarded[0], upstream.process, "upstream unbound")
        for scenario in args.scenarios.split(","):
            for (label, binary), (variant, config) in ((b, c) for b in binaries for c in configs):
                queries, _, mode = scenario.partition("+")
                total, answered = measure(binary, config, port, files[queries][0], args.passes, workdir,
                                          f"{label}{variant}-{scenario}", private[0], mode or "udp")
                results[(scenario, label + variant)] = (total, answered)
                run.log(f"{scenario}/{label}{variant}: {total:,} instructions for {answered:,} queries: "
                        f"{total / max(1, answered):,.0f} per query")
    finally:
        run.stop_all()
        if args.keep:
            run.log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    labels = [label + variant for label, _ in binaries for variant, _ in configs]
    print("| scenario | " + " | ".join(f"{l} instructions/query" for l in labels) + " |")
    print("|---|" + "---|" * len(labels))
    for scenario in args.scenarios.split(","):
        cells = [f"{results[(scenario, l)][0] / max(1, results[(scenario, l)][1]):,.0f}" for l in labels]
        print(f"| {scenario} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
