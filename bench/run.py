#!/usr/bin/env python3
"""vpcdns vs unbound, side by side in one run.

Starts, all on 127.0.0.1 and on free ports picked at run time:
  - an upstream unbound: `local-zone: "." static` plus local-data for the forwarded names, so
    nothing ever leaves the host;
  - vpcdns, with a generated config of one VPC with N interface endpoints, forwarding to that
    upstream;
  - unbound as the peer: the same local data (taken from `vpcdns zones`, so it is exactly what
    vpcdns serves) as local zones, and forward-zone "." to the same upstream.

Then, one server at a time, for each scenario (local private answers, cache hits of forwarded
names, a 70/30 mix), it warms the server with the query file and runs dnsperf twice:
  - throughput: closed loop (-q outstanding), dnsperf pinned to one CPU, the server to another;
  - latency: a fixed offered rate (-Q) well under capacity, per-query latencies (-v) for
    percentiles.
For each run it reads the server's utime+stime from /proc/PID/stat before and after, so it can
print CPU time per answered query, VmRSS once started (idle RSS) and VmHWM (peak RSS) from /proc/PID/status.

See bench/README.md for how to read the output. Only processes started here are stopped, by PID.
"""

import argparse
import datetime
import json
import os
import platform
import random
import resource
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")
REGION = "ap-northeast-1"
VPC_ID = "vpc-0a1b2c3d4e5f60718"

# Endpoint services whose private DNS name follows the default rule <service>.<region>.amazonaws.com
# (or a plain reversal such as ecr.api -> api.ecr): one private zone each, no wildcards, so that
# unbound's local-data can hold exactly the same records.
SERVICES = """ssm ssmmessages ec2messages kms logs sts ec2 sns secretsmanager lambda events states
elasticloadbalancing autoscaling cloudformation codebuild codecommit codepipeline config glue athena
ecs emr ecr.api elasticfilesystem rds redshift servicecatalog transfer textract rekognition comprehend
xray synthetics ebs elasticbeanstalk backup datasync dms cloudtrail codedeploy appconfig
application-autoscaling acm-pca airflow.api batch cloudhsmv2 codeguru-reviewer databrew ec2-fips
elasticmapreduce-fips email-smtp fsx git-codecommit iot kendra kinesis-firehose kinesis-streams
macie2 mgn""".split()

SCENARIOS = [
    ("local", "local private answers (endpoint private DNS names A+AAAA, vpce- names A)"),
    ("zone", "zone-file answers: A, AAAA (NODATA) and NXDOMAIN, a third each"),
    ("cached", "cache hits of forwarded names (A, warmed first)"),
    ("mix", "70% local / 30% cached forwarded, interleaved"),
]


# ----------------------------------------------------------------------------- small helpers

def die(message):
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(2)


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 right now."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                    tcp.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    die("could not find a free port on 127.0.0.1")


def dns_query(name, qtype=1, qid=None):
    qid = random.randrange(65536) if qid is None else qid
    wire = b"".join(bytes([len(label)]) + label.encode() for label in name.rstrip(".").split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + wire + struct.pack("!HH", qtype, 1)


def probe(port, name, timeout=0.3):
    """The rcode of one UDP query, or None when nothing answered."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(dns_query(name), ("127.0.0.1", port))
            data, _ = s.recvfrom(4096)
        except OSError:
            return None
    return data[3] & 0x0F if len(data) >= 12 else None


def wait_ready(port, name, process, what, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            die(f"{what} exited with status {process.returncode}; see its log in the work directory")
        if probe(port, name) is not None:
            return
        time.sleep(0.05)
    die(f"{what} did not answer on 127.0.0.1:{port} within {seconds} s")


def cpu_ticks(pid):
    """(utime, stime) of every thread of `pid`, dead ones included, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5), counted after ")"


def status_kib(pid, field):
    """A size field of /proc/PID/status (VmHWM: peak RSS, VmRSS: RSS now), in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def peak_rss_kib(pid):
    return status_kib(pid, "VmHWM")


def idle_rss_kib(pid):
    """RSS once the server has started and answered one query, before any load: what it holds
    while waiting (a second to settle first)."""
    time.sleep(1)
    return status_kib(pid, "VmRSS")


def context_switches(pid):
    """Voluntary + involuntary context switches of the live threads of `pid`."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if "ctxt_switches:" in line:
                        total += int(line.split()[1])
        except OSError:
            pass  # thread ended meanwhile
    return total


def threads(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def system_busy_ticks():
    """Busy clock ticks of all CPUs together (everything but idle and iowait)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return sum(values[:8]) - values[3] - values[4]


def wait_for_quiet(max_wait, threshold=0.15):
    """Waits (at most max_wait s) until the machine's busy time over one second is under
    `threshold` cores; returns the last figure. Our own servers are idle while this runs."""
    start = time.monotonic()
    while True:
        busy0 = system_busy_ticks()
        time.sleep(1)
        cores = (system_busy_ticks() - busy0) / CLK_TCK
        if cores <= threshold or time.monotonic() - start >= max_wait:
            return cores


def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def command_output(args):
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_info(vpcdns_bin):
    cpu_model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    commit = command_output(["git", "-C", REPO, "rev-parse", "--short", "HEAD"])
    if command_output(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no", "--", "Sources", "Package.swift"]):
        commit += " (Sources modified)"
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu_model,
        "kernel": platform.release(),
        "swift": command_output(["swift", "--version"]).splitlines()[0] if shutil.which("swift") else "(swift not on PATH)",
        "vpcdns": f"{command_output([vpcdns_bin, '--version'])} at {commit}",
        "unbound": command_output(["unbound", "-V"]).splitlines()[0],
        "dnsperf": next((l for l in command_output(["dnsperf", "-h"]).splitlines() if l.startswith("Version")), "?"),
    }


# ----------------------------------------------------------------------------- configs and data

def vpcdns_config(port, upstream_port, endpoints, metrics_port=None):
    lines = [
        "# Generated by bench/run.py.",
        *([f'metrics: {{ listen: "127.0.0.1:{metrics_port}" }}'] if metrics_port else []),
        f'listen: ["127.0.0.1:{port}"]',
        f'upstreams: ["127.0.0.1:{upstream_port}"]',
        'allow: ["127.0.0.0/8"]',
        "cache:",
        "  max_entries: 100000",
        "vpcs:",
        f"  - id: {VPC_ID}",
        f"    region: {REGION}",
        '    cidrs: ["10.10.0.0/16"]',
        f'    listen: ["127.0.0.1:{port}"]',
        "    enable_dns_support: true",
        "    enable_dns_hostnames: true",
        f"    zones: [{ZONE_FILE}]",
        "    endpoints:",
    ]
    for i, service in enumerate(SERVICES[:endpoints]):
        lines += [
            f"      - id: vpce-{i + 1:017x}",
            f"        service: com.amazonaws.{REGION}.{service}",
            f"        dns_suffix: bench{i:03d}",
            "        private_dns: true",
            "        interfaces:",
            f"          - {{ az: {REGION}a, ipv4: 10.10.{1 + i // 200}.{10 + i % 200} }}",
            f"          - {{ az: {REGION}c, ipv4: 10.10.{101 + i // 200}.{10 + i % 200} }}",
        ]
    return "\n".join(lines) + "\n"


ZONE = "corp.bench.internal."
ZONE_FILE = "corp.bench.internal.zone"
ZONE_HOSTS = 50


def zone_file_text():
    """A private zone from a zone file: SOA, NS, and ZONE_HOSTS hosts with an A record each."""
    lines = [f"$ORIGIN {ZONE}", "$TTL 300", "@ IN SOA ns1 hostmaster 1 7200 900 1209600 300", "  IN NS ns1",
             "ns1 IN A 10.10.0.53"]
    lines += [f"host-{i:03d} IN A 10.10.50.{10 + i}" for i in range(ZONE_HOSTS)]
    return "\n".join(lines) + "\n"


def parse_zones_report(text):
    """`vpcdns zones` output -> ([(zone, [record lines])], [endpoint-specific record lines])."""
    zones, endpoint_records, current, in_endpoints = [], [], None, False
    for line in text.splitlines():
        if line.startswith(";; endpoint-specific names"):
            in_endpoints, current = True, None
            continue
        if not line.strip() or line.startswith(";"):
            continue
        if line.startswith("$ORIGIN "):
            current = (line.split()[1], [])
            zones.append(current)
        elif in_endpoints:
            endpoint_records.append(line)
        elif current is not None:
            current[1].append(line)
    return zones, endpoint_records


def unbound_common(port, workdir, control_socket=None):
    lines = [
        "# Generated by bench/run.py.",
        "server:",
        "  interface: 127.0.0.1",
        f"  port: {port}",
        "  so-reuseport: no",          # fail instead of silently sharing a port someone else holds
        "  do-daemonize: no",
        '  chroot: ""',
        '  username: ""',
        f'  directory: "{workdir}"',
        '  pidfile: ""',
        "  use-syslog: no",
        '  logfile: ""',
        "  verbosity: 0",
        "  num-threads: 1",
        '  module-config: "iterator"',  # no DNSSEC validation (vpcdns does not validate either)
        "  access-control: 127.0.0.0/8 allow",
        "  do-not-query-localhost: no",
        "  outgoing-interface: 127.0.0.1",  # whatever it sends leaves from loopback: it cannot reach out
        "  do-ip6: no",
        "  so-rcvbuf: 4m",
        "  so-sndbuf: 4m",
    ]
    control = []
    if control_socket:
        control = ["remote-control:", "  control-enable: yes", f'  control-interface: "{control_socket}"',
                   "  control-use-cert: no"]
    return lines, control


def upstream_unbound_config(port, workdir, control_socket, forwarded):
    lines, control = unbound_common(port, workdir, control_socket)
    lines.append('  local-zone: "." static')
    for i, name in enumerate(forwarded):
        lines.append(f'  local-data: "{name} 3600 IN A 198.51.{100 + i // 250}.{1 + i % 250}"')
    return "\n".join(lines + control) + "\n"


def peer_unbound_config(port, workdir, upstream_port, zones, endpoint_records):
    lines, _ = unbound_common(port, workdir)
    for zone, records in zones:
        lines.append(f'  local-zone: "{zone}" static')
        lines += [f'  local-data: "{record}"' for record in records]
    # The vpce- names live in AWS's public zone next to names vpcdns does not know: local-data
    # alone (an implicit transparent zone per name) answers them and lets everything else through.
    lines += [f'  local-data: "{record}"' for record in endpoint_records]
    lines += ["forward-zone:", '  name: "."', f"  forward-addr: 127.0.0.1@{upstream_port}"]
    return "\n".join(lines) + "\n"


def query_files(workdir, zones, endpoint_records, forwarded):
    private = [zone for zone, records in zones if any(" IN A " in r for r in records) and zone != ZONE]
    vpce = sorted({record.split()[0] for record in endpoint_records})
    local = [f"{n} A" for n in private] + [f"{n} AAAA" for n in private] + [f"{n} A" for n in vpce]
    cached = [f"{n} A" for n in forwarded]
    rng = random.Random(7)
    hosts = [f"host-{i:03d}.{ZONE}" for i in range(ZONE_HOSTS)]
    zone = [f"{n} A" for n in hosts] + [f"{n} AAAA" for n in hosts] + [f"nx-{i:03d}.{ZONE} A" for i in range(ZONE_HOSTS)]
    rng.shuffle(local)
    rng.shuffle(cached)
    rng.shuffle(zone)
    mix = []
    for i in range(1000):  # 7 local, then 3 forwarded, repeated
        mix.append(local[(i // 10 * 7 + i % 10) % len(local)] if i % 10 < 7 else cached[(i // 10 * 3 + i % 10 - 7) % len(cached)])
    files = {}
    for scenario, queries in (("local", local), ("zone", zone), ("cached", cached), ("mix", mix)):
        path = os.path.join(workdir, f"queries-{scenario}.txt")
        with open(path, "w") as f:
            f.write("\n".join(queries) + "\n")
        files[scenario] = (path, len(queries))
    return files, private, vpce


# ----------------------------------------------------------------------------- processes

def launch_prefix(cpu):
    """taskset execs the program, so the PID we get is the program's. No nice/chrt: libdispatch
    sets its worker threads' nice value from their QoS, so only unbound and dnsperf would keep it."""
    return ["taskset", "-c", str(cpu)] if cpu is not None else []


class Server:
    """A process started here; stopped by its PID only."""

    def __init__(self, name, args, workdir, cpu):
        self.name = name
        prefix = launch_prefix(cpu)
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.log = open(self.log_path, "w")
        # taskset execs the server, so this PID is the server's.
        self.process = subprocess.Popen(prefix + args, stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        RUNNING.append(self)

    @property
    def pid(self):
        return self.process.pid

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        if self in RUNNING:
            RUNNING.remove(self)


RUNNING = []


def stop_all():
    for server in list(RUNNING):
        server.stop()


def unbound_stat(control_conf, key):
    out = command_output(["unbound-control", "-c", control_conf, "stats_noreset"])
    for line in out.splitlines():
        if line.startswith(key + "="):
            return int(float(line.split("=", 1)[1]))
    return None


def run_dnsperf(port, query_file, args, cpu, output_path):
    """Runs dnsperf to completion; returns (parsed statistics, dnsperf's own CPU seconds)."""
    prefix = launch_prefix(cpu)
    command = prefix + ["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", query_file] + args
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(output_path, "w") as out:
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        die(f"dnsperf failed ({' '.join(command)}); see {output_path}")
    cpu_seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return parse_dnsperf(output_path), cpu_seconds


def parse_dnsperf(path):
    stats = {"latencies": [], "rcodes": {}}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("> T "):         # -v: no answer (counted in "Queries lost")
                continue
            if line.startswith("> "):           # -v: "> NOERROR name TYPE 0.000123"
                stats["latencies"].append(float(line.rsplit(" ", 1)[1]))
            elif line.startswith("Queries sent:"):
                stats["sent"] = int(line.split()[2])
            elif line.startswith("Queries completed:"):
                stats["completed"] = int(line.split()[2])
            elif line.startswith("Queries lost:"):
                stats["lost"] = int(line.split()[2])
            elif line.startswith("Response codes:"):
                parts = line.split(":", 1)[1].replace(",", " ").split()
                for i in range(0, len(parts) - 2, 3):
                    stats["rcodes"][parts[i]] = int(parts[i + 1])
            elif line.startswith("Average packet size:"):
                stats["response_bytes"] = int(line.rsplit(" ", 1)[1])
            elif line.startswith("Run time (s):"):
                stats["runtime"] = float(line.split()[3])
            elif line.startswith("Queries per second:"):
                stats["qps"] = float(line.split()[3])
            elif line.startswith("Average Latency (s):"):
                stats["avg_latency"] = float(line.split()[3])
    for key in ("sent", "completed", "lost", "runtime"):
        if key not in stats:
            die(f"cannot read '{key}' from dnsperf output {path}")
    return stats


def percentile(sorted_values, fraction):
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, int(round(fraction * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


def measured_run(server, port, query_file, dnsperf_args, client_cpu, output_path, perf_path=None):
    """One dnsperf run with the server's CPU time and the machine's other load around it;
    with `perf_path`, `perf record -g` samples the server during the run."""
    recorder = None
    if perf_path:
        recorder = subprocess.Popen(["perf", "record", "-F", "999", "-g", "-p", str(server.pid), "-o", perf_path],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)
    switches0 = context_switches(server.pid)
    ticks0, busy0, wall0 = cpu_ticks(server.pid), system_busy_ticks(), time.monotonic()
    stats, client_seconds = run_dnsperf(port, query_file, dnsperf_args, client_cpu, output_path)
    ticks1, busy1, wall1 = cpu_ticks(server.pid), system_busy_ticks(), time.monotonic()
    switches1 = context_switches(server.pid)
    if recorder:
        recorder.send_signal(signal.SIGINT)
        recorder.wait(timeout=60)
    if server.process.poll() is not None:
        die(f"{server.name} exited during the run; see {server.log_path}")
    user_seconds = (ticks1[0] - ticks0[0]) / CLK_TCK
    server_seconds = user_seconds + (ticks1[1] - ticks0[1]) / CLK_TCK
    other_seconds = max(0.0, (busy1 - busy0) / CLK_TCK - server_seconds - client_seconds)
    completed = max(1, stats["completed"])
    stats.update({
        "server_cpu_s": server_seconds,
        "cpu_us_per_query": server_seconds / completed * 1e6,
        "user_share": user_seconds / server_seconds if server_seconds > 0 else float("nan"),
        "switches_per_query": max(0, switches1 - switches0) / completed,
        "server_cores": server_seconds / stats["runtime"],
        "client_cores": client_seconds / stats["runtime"],
        "other_cores": other_seconds / (wall1 - wall0),
    })
    if stats["latencies"]:
        values = sorted(stats["latencies"])
        stats.update({f"p{p}": percentile(values, p / 100) for p in (50, 90, 99)})
        stats["p99.9"] = percentile(values, 0.999)
        stats["max"] = values[-1]
    del stats["latencies"]
    return stats


# ----------------------------------------------------------------------------- answers check

def answer_signature(port, name, qtype):
    """(rcode, sorted answer RRs without TTL, authority types) via dnspython, or None."""
    import dns.message
    import dns.query
    import dns.rdatatype
    query = dns.message.make_query(name, qtype, use_edns=False)
    response = dns.query.udp(query, "127.0.0.1", port=port, timeout=2)
    answers = sorted(f"{rrset.name} {dns.rdatatype.to_text(rrset.rdtype)} {rd}" for rrset in response.answer for rd in rrset)
    authority = sorted(dns.rdatatype.to_text(rrset.rdtype) for rrset in response.authority)
    return response.rcode(), tuple(answers), tuple(authority)


def collect_answers(port, queries):
    answers = {}
    for q in queries:
        try:
            answers[q] = answer_signature(port, *q.split())
        except Exception as error:  # timeout, malformed answer: a difference to report, not a crash
            answers[q] = f"error: {type(error).__name__}: {error}"
    return answers


# ----------------------------------------------------------------------------- profile

HOT_PATH = [  # (label, substring of the mangled or plain symbol)
    ("QueryEngine.handle (all of a query's work after recvmmsg)", "QueryEngineC6handle"),
    ("  PrecompiledAnswers.find (table probe and suffix walk)", "PrecompiledAnswersC4find"),
    ("  QueryView (header, question and OPT read in place)", "QueryViewV"),
    ("  ResolutionModel.decide (slow path)", "ResolutionModelC6decide"),
    ("  Message.encode (slow path)", "MessageV6encode"),
    ("  DNSCache hit from the query's bytes (key, hash, shard probe)", "DNSCacheAAC3hit"),
    ("  CacheHit reply (copy and patch of the stored answer)", "CacheHitV9withReply"),
    ("  DNSCache lookup (wire, slow path)", "lookupWire"),
    ("  RequestAdmission.admit (full decode, slow path)", "RequestAdmission"),
    ("sendmsg + sendmmsg (kernel; includes loopback delivery to dnsperf)", "__libc_sendmsg|sendmmsg"),
    ("recvmmsg (kernel)", "__recvmmsg"),
    ("poll (the UDP thread waiting)", "__poll|ppoll"),
    ("libdispatch manager thread (epoll, waking workers)", "_dispatch_mgr_thread"),
    ("swift_retain + swift_release (self time)", "swift_retain|swift_release"),
]


def perf_summary(path):
    """Share of samples (inclusive) for the known hot-path functions, plus the top self-time symbols."""
    script = subprocess.run(["perf", "script", "-i", path, "-F", "ip,sym"], capture_output=True, text=True).stdout
    stacks, current = [], []
    for line in script.splitlines():
        line = line.strip()
        if not line:
            if current:
                stacks.append(current)
            current = []
        else:
            current.append(line.split(None, 1)[-1])  # "address symbol"
    if current:
        stacks.append(current)
    if not stacks:
        return "(no samples)"
    lines = []
    for label, needle in HOT_PATH:
        needles = needle.split("|")
        if "self time" in label:
            hits = sum(1 for stack in stacks if any(stack[0] == n or stack[0].startswith(n) for n in needles))
        else:
            hits = sum(1 for stack in stacks if any(n in frame for frame in stack for n in needles))
        lines.append(f"  {hits / len(stacks) * 100:5.1f}%  {label}")
    self_counts = {}
    for stack in stacks:
        self_counts[stack[0]] = self_counts.get(stack[0], 0) + 1
    top = sorted(self_counts.items(), key=lambda item: -item[1])[:12]
    names = [name for name, _ in top]
    if shutil.which("swift"):
        demangled = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(names),
                                   capture_output=True, text=True).stdout.splitlines()
        if len(demangled) == len(names):
            names = demangled
    lines.append(f"  top self time ({len(stacks)} samples):")
    lines += [f"  {count / len(stacks) * 100:5.1f}%  {name[:110]}" for name, (_, count) in zip(names, top)]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- output

SERVER_LABELS = {"vpcdns": "vpcdns", "unbound": "unbound", "vpcdns-2cpu": "vpcdns unpinned", "vpcdns-metrics": "vpcdns metrics on",
                 "baseline": "vpcdns baseline"}


def fmt(value, digits=1):
    return "-" if value is None or value != value else f"{value:,.{digits}f}"


def table(header, rows):
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
                     + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


def lost_text(run):
    return f"{run['lost']}" + (f" ({run['lost'] / max(1, run['sent']) * 100:.2f}%)" if run["lost"] else "")


def throughput_table(results, configs):
    rows = []
    for scenario, _ in SCENARIOS:
        for config in configs:
            r = results.get((scenario, config))
            if r:
                t = r["throughput"]
                rows.append([scenario, SERVER_LABELS[config], fmt(t.get("qps"), 0), fmt(t.get("avg_latency", 0) * 1e3, 3),
                             lost_text(t), fmt(t["cpu_us_per_query"], 2), fmt(t["user_share"] * 100, 0), fmt(t["server_cores"], 2),
                             fmt(t["switches_per_query"], 2), t.get("response_bytes", "-"),
                             fmt(r["idle_rss_kib"] / 1024, 1), fmt(r["peak_rss_kib"] / 1024, 1), fmt(t["other_cores"], 2)])
    return table(["scenario", "server", "QPS", "avg latency ms", "lost", "CPU µs/query", "user-space %", "server CPU cores",
                  "ctx switches/query", "response bytes", "idle RSS MiB", "peak RSS MiB", "other load (cores)"], rows)


def latency_table(results, configs):
    rows = []
    for scenario, _ in SCENARIOS:
        for config in configs:
            r = results.get((scenario, config))
            if r:
                l = r["latency"]
                rows.append([scenario, SERVER_LABELS[config], fmt(l.get("qps"), 0)]
                            + [fmt(l.get(p, 0) * 1e6, 0) for p in ("p50", "p90", "p99", "p99.9")]
                            + [lost_text(l), fmt(l["cpu_us_per_query"], 2), fmt(l["switches_per_query"], 2),
                               fmt(l["other_cores"], 2)])
    return table(["scenario", "server", "QPS", "p50 µs", "p90 µs", "p99 µs", "p99.9 µs", "lost", "CPU µs/query",
                  "ctx switches/query", "other load (cores)"], rows)


def round_ratios(runs, scenario):
    """vpcdns ÷ unbound CPU per query at saturation, round by round: the two servers of one
    round ran back to back, so these ratios share more of the machine's state than the medians'
    ratio does. 'median (min-max)'."""
    v, u = runs.get((scenario, "vpcdns"), []), runs.get((scenario, "unbound"), [])
    ratios = sorted(a["throughput"]["cpu_us_per_query"] / b["throughput"]["cpu_us_per_query"] for a, b in zip(v, u))
    if not ratios:
        return "-"
    if len(ratios) == 1:
        return f"{ratios[0]:.2f}"
    return f"{statistics.median(ratios):.2f} ({ratios[0]:.2f}-{ratios[-1]:.2f})"


def ratio_table(results, runs):
    if not any((s, "vpcdns") in results and (s, "unbound") in results for s, _ in SCENARIOS):
        return "(needs both vpcdns and unbound in --servers)"

    def ratio(a, b):
        return "-" if not b or a is None else f"{a / b:.2f}"
    rows = []
    for scenario, _ in SCENARIOS:
        v, u = results.get((scenario, "vpcdns")), results.get((scenario, "unbound"))
        if v and u:
            vt, ut, vl, ul = v["throughput"], u["throughput"], v["latency"], u["latency"]
            rows.append([scenario, ratio(vt.get("qps"), ut.get("qps")), ratio(vt.get("avg_latency"), ut.get("avg_latency")),
                         ratio(vt["cpu_us_per_query"], ut["cpu_us_per_query"]), round_ratios(runs, scenario),
                         ratio(vl["cpu_us_per_query"], ul["cpu_us_per_query"]),
                         ratio(vl.get("p50"), ul.get("p50")), ratio(vl.get("p99"), ul.get("p99")),
                         ratio(v["idle_rss_kib"], u["idle_rss_kib"]), ratio(v["peak_rss_kib"], u["peak_rss_kib"])])
    return table(["scenario", "QPS", "avg latency", "CPU µs/query", "CPU µs/query, per round", "CPU µs/query @rate", "p50 @rate", "p99 @rate",
                  "idle RSS", "peak RSS"], rows)


def metrics_table(results):
    """Metrics on ÷ off: what counting every query costs, from the same run."""
    rows = []
    for scenario, _ in SCENARIOS:
        off, on = results.get((scenario, "vpcdns")), results.get((scenario, "vpcdns-metrics"))
        if off and on:
            rows.append([scenario, fmt(off["throughput"]["cpu_us_per_query"], 2), fmt(on["throughput"]["cpu_us_per_query"], 2),
                         f'{on["throughput"]["cpu_us_per_query"] / off["throughput"]["cpu_us_per_query"]:.2f}',
                         fmt(off["latency"]["cpu_us_per_query"], 2), fmt(on["latency"]["cpu_us_per_query"], 2),
                         f'{on["latency"]["cpu_us_per_query"] / off["latency"]["cpu_us_per_query"]:.2f}'])
    if not rows:
        return "(needs both vpcdns and vpcdns-metrics in --servers)"
    return table(["scenario", "CPU µs/query, metrics off", "metrics on", "on / off", "@rate, off", "@rate, on", "on / off"], rows)


def median_result(runs):
    """Per-metric median over repeated runs of one (scenario, server)."""
    if len(runs) == 1:
        return runs[0]
    merged = {"peak_rss_kib": statistics.median_low(r["peak_rss_kib"] for r in runs),
              "idle_rss_kib": statistics.median_low(r["idle_rss_kib"] for r in runs), "threads": runs[0]["threads"],
              "upstream_queries": max(r["upstream_queries"] or 0 for r in runs)}
    for part in ("throughput", "latency"):
        merged[part] = {}
        for key, value in runs[0][part].items():
            if isinstance(value, int):
                merged[part][key] = statistics.median_low(r[part][key] for r in runs if key in r[part])
            elif isinstance(value, float):
                merged[part][key] = statistics.median(r[part][key] for r in runs if key in r[part])
            else:
                merged[part][key] = value
    return merged


# ----------------------------------------------------------------------------- main

def check_tools(vpcdns_bin):
    missing = [tool for tool in ("dnsperf", "unbound", "unbound-control", "taskset") if not shutil.which(tool)]
    if missing:
        die(f"missing: {', '.join(missing)}. Install them with `make test-deps` (scripts/install-deps.sh test), "
            "or: sudo apt-get install dnsperf unbound util-linux")
    if not os.access(vpcdns_bin, os.X_OK):
        die(f"no vpcdns binary at {vpcdns_bin}; build it with `swift build -c release` (or pass --bin)")


def main():
    parser = argparse.ArgumentParser(description="Benchmark vpcdns against unbound (same data, same upstream).")
    parser.add_argument("--quick", action="store_true", help="one round of short runs (2 s + 1.5 s) for a smoke check")
    parser.add_argument("--duration", type=float, help="seconds per closed-loop run (default 5, --quick 2)")
    parser.add_argument("--latency-duration", type=float, help="seconds per fixed-rate run (default 3, --quick 1.5)")
    parser.add_argument("--rate", type=int, default=10000, help="offered QPS of the fixed-rate runs (default 10000)")
    parser.add_argument("--outstanding", type=int, default=100, help="dnsperf -q for throughput runs (default 100)")
    parser.add_argument("--clients", type=int, default=4, help="dnsperf -c: source sockets (default 4)")
    parser.add_argument("--endpoints", type=int, default=50, help=f"interface endpoints in the config (1..{len(SERVICES)}, default 50)")
    parser.add_argument("--forwarded", type=int, default=1000, help="forwarded names in the cached scenario (default 1000)")
    parser.add_argument("--scenarios", default="local,zone,cached,mix", help="comma-separated subset of local,zone,cached,mix")
    parser.add_argument("--servers", default="vpcdns,unbound,vpcdns-2cpu,vpcdns-metrics",
                        help="comma-separated subset of vpcdns,unbound,vpcdns-2cpu (vpcdns unpinned),vpcdns-metrics "
                        "(pinned, its Prometheus listener on, so every query is counted),baseline (--baseline-bin, pinned)")
    parser.add_argument("--repeat", type=int, help="rounds per scenario, servers alternating; per-metric medians "
                        "are reported (default 5, --quick 1)")
    parser.add_argument("--client-cpu", type=int, default=0, help="CPU dnsperf is pinned to (default 0)")
    parser.add_argument("--server-cpu", type=int, default=1, help="CPU the pinned servers run on (default 1)")
    parser.add_argument("--bin", default=os.path.join(REPO, ".build", "release", "vpcdns"), help="vpcdns binary")
    parser.add_argument("--baseline-bin", help="another vpcdns binary (e.g. the previous commit's) run as server "
                        "`baseline`, pinned like vpcdns: before/after figures from the same run")
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                        help="before each server/scenario, wait up to SECONDS for other load to drop under 0.15 cores")
    parser.add_argument("--perf", action="store_true",
                        help="profile vpcdns (pinned) with perf record -g in each scenario's first closed-loop run "
                        "and print the top costs; implies --keep; those runs' CPU figures include perf's overhead")
    parser.add_argument("--json", help="also write all figures as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (configs, logs, dnsperf output)")
    args = parser.parse_args()

    duration = args.duration or (2 if args.quick else 5)
    latency_duration = args.latency_duration or (1.5 if args.quick else 3)
    repeat = max(1, args.repeat or (1 if args.quick else 5))
    scenarios = [s for s in args.scenarios.split(",") if s]
    configs = [s for s in args.servers.split(",") if s]
    for s in scenarios:
        if s not in dict(SCENARIOS):
            die(f"unknown scenario {s}")
    for c in configs:
        if c not in SERVER_LABELS:
            die(f"unknown server {c}")
    if "baseline" in configs and not args.baseline_bin:
        die("server baseline needs --baseline-bin")
    if not 1 <= args.endpoints <= len(SERVICES):
        die(f"--endpoints must be 1..{len(SERVICES)}")
    check_tools(args.bin)
    if args.perf:
        if not shutil.which("perf"):
            die("--perf needs perf (apt-get install linux-perf)")
        args.keep = True
    ncpu = os.cpu_count() or 1
    client_cpu, server_cpu = (args.client_cpu, args.server_cpu) if ncpu >= 2 else (None, None)
    if ncpu < 2:
        log("only one CPU: nothing is pinned; dnsperf and the server share it")

    info = machine_info(args.bin)
    workdir = tempfile.mkdtemp(prefix="vpcdns-bench-")
    log(f"work directory {workdir}")

    upstream_port, server_port = free_port(), free_port()
    forwarded = [f"fwd-{i:04d}.bench.example." for i in range(args.forwarded)]

    # vpcdns config; its zones, as vpcdns serves them, become the peer unbound's local data.
    vpcdns_conf = os.path.join(workdir, "vpcdns.yaml")
    with open(vpcdns_conf, "w") as f:
        f.write(vpcdns_config(server_port, upstream_port, args.endpoints))
    metrics_conf = os.path.join(workdir, "vpcdns-metrics.yaml")
    with open(metrics_conf, "w") as f:
        f.write(vpcdns_config(server_port, upstream_port, args.endpoints, free_port()))
    with open(os.path.join(workdir, ZONE_FILE), "w") as f:
        f.write(zone_file_text())
    check = subprocess.run([args.bin, "check", "--config", vpcdns_conf], capture_output=True, text=True)
    if check.returncode != 0:
        die(f"vpcdns check failed:\n{check.stdout}{check.stderr}")
    zones_text = subprocess.run([args.bin, "zones", "--config", vpcdns_conf], capture_output=True, text=True, check=True).stdout
    zones, endpoint_records = parse_zones_report(zones_text)
    files, private, vpce = query_files(workdir, zones, endpoint_records, forwarded)

    upstream_conf = os.path.join(workdir, "upstream-unbound.conf")
    with open(upstream_conf, "w") as f:
        f.write(upstream_unbound_config(upstream_port, workdir, os.path.join(workdir, "upstream.ctl"), forwarded))
    peer_conf = os.path.join(workdir, "peer-unbound.conf")
    with open(peer_conf, "w") as f:
        f.write(peer_unbound_config(server_port, workdir, upstream_port, zones, endpoint_records))
    for conf in (upstream_conf, peer_conf):
        checked = subprocess.run(["unbound-checkconf", conf], capture_output=True, text=True)
        if checked.returncode != 0:
            die(f"unbound-checkconf {conf}:\n{checked.stdout}{checked.stderr}")

    commands = {
        "vpcdns": ([args.bin, "serve", "--config", vpcdns_conf, "--log-level", "warning"], server_cpu),
        "unbound": (["unbound", "-d", "-c", peer_conf], server_cpu),
        "vpcdns-2cpu": ([args.bin, "serve", "--config", vpcdns_conf, "--log-level", "warning"], None),
        "vpcdns-metrics": ([args.bin, "serve", "--config", metrics_conf, "--log-level", "warning"], server_cpu),
    }
    if args.baseline_bin:
        commands["baseline"] = ([args.baseline_bin, "serve", "--config", vpcdns_conf, "--log-level", "warning"], server_cpu)

    results, runs = {}, {}
    try:
        # The upstream is idle during measured runs (the caches answer); it runs unpinned.
        upstream = Server("upstream-unbound", ["unbound", "-d", "-c", upstream_conf], workdir, None)
        wait_ready(upstream_port, forwarded[0], upstream.process, "upstream unbound")
        log(f"upstream unbound pid {upstream.pid} on 127.0.0.1:{upstream_port}; "
            f"{len(private)} private names, {len(vpce)} vpce- names, {len(forwarded)} forwarded names")

        # Same answers from both? (rcode, answer records without TTLs, authority types)
        mismatches = []
        try:
            import dns.message  # noqa: F401
            sample = [l.strip() for scenario in ("local", "zone", "cached") for l in open(files[scenario][0])]
            signatures = {}
            for config in ("vpcdns", "unbound"):
                server = Server(f"{config}-check", commands[config][0], workdir, commands[config][1])
                wait_ready(server_port, private[0], server.process, config)
                signatures[config] = collect_answers(server_port, sample)
                server.stop()
            mismatches = [q for q in sample if signatures["vpcdns"][q] != signatures["unbound"][q]]
            log(f"answers compared for {len(sample)} queries: {len(mismatches)} differ")
            for q in mismatches[:5]:
                log(f"  {q}: vpcdns {signatures['vpcdns'][q]} / unbound {signatures['unbound'][q]}")
        except ImportError:
            log("dnspython not installed: skipping the same-answers check (pip install dnspython)")

        for scenario in scenarios:
            query_file, count = files[scenario]
            for round_index in range(repeat):
                for config in configs:
                    args_cmd, cpu = commands[config]
                    label = f"{scenario}/{config}" + (f" round {round_index + 1}" if repeat > 1 else "")
                    server = Server(f"{config}-{scenario}", args_cmd, workdir, cpu)
                    wait_ready(server_port, private[0], server.process, config)
                    idle_rss = idle_rss_kib(server.pid)
                    if args.wait_quiet > 0:
                        waited = time.monotonic()
                        cores = wait_for_quiet(args.wait_quiet)
                        if time.monotonic() - waited > 1.5 or cores > 0.15:
                            log(f"{label}: waited {time.monotonic() - waited:.0f} s for a quiet machine (other load {cores:.2f} cores)")
                    # Warm up: every query of the file twice (fills the cache for forwarded names).
                    run_dnsperf(server_port, query_file, ["-n", "2", "-q", "20", "-c", str(args.clients)], client_cpu,
                                os.path.join(workdir, f"warm-{config}-{scenario}.txt"))
                    upstream_before = unbound_stat(upstream_conf, "total.num.queries")
                    base = os.path.join(workdir, f"dnsperf-{config}-{scenario}-{round_index}")
                    throughput = measured_run(server, server_port, query_file,
                                              ["-l", str(duration), "-q", str(args.outstanding), "-c", str(args.clients)],
                                              client_cpu, base + "-throughput.txt",
                                              perf_path=(os.path.join(workdir, f"perf-{scenario}.data")
                                                         if args.perf and config == "vpcdns" and round_index == 0 else None))
                    latency = measured_run(server, server_port, query_file,
                                           ["-l", str(latency_duration), "-Q", str(args.rate), "-q", "1000",
                                            "-c", str(args.clients), "-v"],
                                           client_cpu, base + "-latency.txt")
                    upstream_after = unbound_stat(upstream_conf, "total.num.queries")
                    result = {
                        "throughput": throughput, "latency": latency,
                        "idle_rss_kib": idle_rss, "peak_rss_kib": peak_rss_kib(server.pid), "threads": threads(server.pid),
                        "upstream_queries": None if upstream_before is None or upstream_after is None
                        else upstream_after - upstream_before,
                    }
                    server.stop()
                    runs.setdefault((scenario, config), []).append(result)
                    bad = {k: v for k, v in throughput["rcodes"].items() if k != "NOERROR"}
                    log(f"{label}: {fmt(throughput.get('qps'), 0)} QPS, {fmt(throughput['cpu_us_per_query'], 2)} µs CPU/query, "
                        f"lost {throughput['lost']}, p99 @{args.rate}/s {fmt(latency.get('p99', 0) * 1e6, 0)} µs, "
                        f"upstream queries during runs: {result['upstream_queries']}, other load {fmt(throughput['other_cores'], 2)} cores"
                        + (f", rcodes {bad}" if bad else ""))
        upstream.stop()
    finally:
        stop_all()

    results = {key: median_result(value) for key, value in runs.items()}
    out = []
    out.append(f"vpcdns vs unbound — {info['date']}")
    out.append(f"machine: {info['nproc']} CPUs, {info['cpu']}, kernel {info['kernel']}")
    out.append(f"{info['swift']}; vpcdns {info['vpcdns']}; unbound {info['unbound']}; dnsperf {info['dnsperf']}")
    pin = (f"dnsperf on CPU {client_cpu}, servers on CPU {server_cpu} (\"vpcdns unpinned\": no affinity)"
           if client_cpu is not None else "no pinning")
    out.append(f"runs: {duration:g} s throughput (dnsperf -q {args.outstanding} -c {args.clients}), "
               f"{latency_duration:g} s at {args.rate} QPS for latency; {pin}; median of {repeat} round(s)")
    out.append(f"data: {args.endpoints} endpoints -> {len(private)} private names (A+AAAA), {len(vpce)} vpce- names (A); "
               f"{len(forwarded)} forwarded names (A); mix = 70% local / 30% forwarded")
    if mismatches:
        out.append(f"WARNING: {len(mismatches)} queries get different answers from vpcdns and unbound (see log above)")
    out.append("")
    out.append(f"Closed loop (dnsperf -q {args.outstanding}): as fast as it goes")
    out.append("")
    out.append(throughput_table(results, configs))
    out.append("")
    out.append(f"Fixed rate ({args.rate} QPS offered): latency percentiles from every answer")
    out.append("")
    out.append(latency_table(results, configs))
    out.append("")
    out.append("vpcdns / unbound, both pinned to one CPU (QPS: > 1 is better; the rest: < 1 is better)")
    out.append("")
    out.append(ratio_table(results, runs))
    if any(c == "vpcdns-metrics" for _, c in results):
        out.append("")
        out.append("vpcdns with metrics on / off, both pinned to one CPU")
        out.append("")
        out.append(metrics_table(results))
    upstream_note = {f"{s}/{c}": r["upstream_queries"] for (s, c), r in results.items()}
    out.append("")
    out.append(f"upstream queries during the measured runs (0 = all answered locally or from cache): {upstream_note}")
    busy = [r["throughput"]["other_cores"] for r in results.values()] + [r["latency"]["other_cores"] for r in results.values()]
    if busy and max(busy) > 0.15:
        out.append(f"WARNING: other processes used up to {max(busy):.2f} cores during some runs; "
                   "QPS and latency are disturbed (CPU µs/query much less). Re-run on a quiet machine, with --wait-quiet 60 or --repeat 3.")
    print("\n".join(out))

    if args.perf:
        for scenario in scenarios:
            path = os.path.join(workdir, f"perf-{scenario}.data")
            if os.path.exists(path):
                print(f"\nvpcdns profile, {scenario} (perf report -i {path}):\n")
                print(perf_summary(path))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "duration": duration, "latency_duration": latency_duration, "rate": args.rate,
                       "mismatches": mismatches,
                       "results": {f"{s}/{c}": r for (s, c), r in results.items()},
                       "runs": {f"{s}/{c}": r for (s, c), r in runs.items()}}, f, indent=2)
    if args.keep:
        log(f"kept {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        stop_all()
        sys.exit(130)
