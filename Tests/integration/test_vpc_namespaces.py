"""A VPC made of network namespaces (issue 4): real clients resolve through vpcdns.

Topology, built fresh for each run (names carry the test's PID; nothing touches the host's own
network namespace, and no namespace has a route out of this set):

  vpcdns-<pid>-vpc    "the VPC": a bridge br0 with 10.10.0.2/16 (VPC A's +2 resolver),
                      10.10.0.53/16 (a resolver address of no VPC) and 10.10.1.10/16 (the ssm
                      interface endpoint's IP); veth to-peer with 10.20.0.2/16 (VPC B's +2
                      resolver). Runs vpcdns, moto's server on 10.10.1.10:80, and the upstream:
                      unbound on the namespace's 127.0.0.1:5301 with static data only.
  vpcdns-<pid>-app    a host in VPC A: eth0 10.10.5.5/16, its peer enslaved to br0;
                      /etc/netns/<name>/resolv.conf says `nameserver 10.10.0.2`.
  vpcdns-<pid>-peer   a host in VPC B (a VPC without the endpoint): eth0 10.20.5.5/16, veth to
                      the VPC namespace's to-peer, a route to 10.10.0.0/16 via 10.20.0.2;
                      resolv.conf says `nameserver 10.20.0.2`.

Packets keep their source addresses (no NAT), so vpcdns picks views by source address where the
query's local address belongs to no VPC. Clients run with `ip netns exec`, which bind-mounts the
namespace's resolv.conf: dig, glibc (getent), Python, and the AWS CLI (which reaches moto by the
service's default hostname). The upstream's "public" answers (198.51.100.0/24) exist only as DNS
data: nothing listens there and no namespace has a route to them.

Needs root and iproute2; fails (not skips) without them. scripts/install-deps.sh installs moto's
server and the AWS CLI from PyPI when missing.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
NETNS_ETC = Path("/etc/netns")
NS_PATTERN = re.compile(r"^vpcdns-(\d+)-(vpc|app|peer)$")

REGION = "ap-northeast-1"
SSM = f"ssm.{REGION}.amazonaws.com"
VPC_A = "vpc-0a1b2c3d4e5f60718"
VPC_B = "vpc-0b2c3d4e5f6071829"
ENDPOINT = "vpce-0f3a8c21d47b95e6a"
SUFFIX = "q2k7x9mb"
VPCE_NAME = f"{ENDPOINT}-{SUFFIX}.ssm.{REGION}.vpce.amazonaws.com"
VPCE_ZONAL = f"{ENDPOINT}-{SUFFIX}-{REGION}a.ssm.{REGION}.vpce.amazonaws.com"
FORWARDED = "upstream-only.example.com"

RESOLVER_A = "10.10.0.2"      # VPC A's base + 2
RESOLVER_B = "10.20.0.2"      # VPC B's base + 2
RESOLVER_SHARED = "10.10.0.53"  # a listen address of no VPC: views by source address
ENDPOINT_IP = "10.10.1.10"
APP_IP = "10.10.5.5"
PEER_IP = "10.20.5.5"
UPSTREAM_PORT = 5301
PUBLIC_SSM = "198.51.100.7"   # the upstream's ("public DNS") answer for the ssm name
PUBLIC_FORWARDED = "198.51.100.8"
APP_INSTANCE = "i-0a1b2c3d4e5f60718"  # the app host as an EC2 instance of VPC A
APP_NAME = f"ip-{APP_IP.replace('.', '-')}.{REGION}.compute.internal"


def run(*cmd, timeout=30, env=None):
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout,
                          env=env if env is not None else {"PATH": PATH, "LANG": "C.UTF-8"})


def must(*cmd, timeout=30):
    result = run(*cmd, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {result.returncode}: {result.stderr.strip()}")
    return result.stdout


def tool(name):
    path = shutil.which(name, path=PATH) or shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: run scripts/install-deps.sh")
    return path


def vpcdns_binary():
    if os.environ.get("VPCDNS_BIN"):
        path = Path(os.environ["VPCDNS_BIN"])
    else:
        path = REPO / ".build" / "debug" / "vpcdns"
    if not path.is_file():
        pytest.fail(f"no vpcdns binary at {path}: run `swift build` or set VPCDNS_BIN")
    return str(path)


def wait_until(what, check, timeout, process=None, log=None):
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        if process is not None and process.poll() is not None:
            pytest.fail(f"{what}: process exited {process.returncode}\n{log.read_text() if log else ''}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout}s\n{log.read_text() if log else ''}")
        time.sleep(0.2)


def stop_process(process):
    """SIGTERM, then SIGKILL after 10 s, to one process this test started (by PID)."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def delete_namespace(name):
    """Deletes one of this test's namespaces (its veths go with it) and its /etc/netns folder."""
    if name in run("ip", "netns", "list").stdout.split():
        run("ip", "netns", "delete", name)
    shutil.rmtree(NETNS_ETC / name, ignore_errors=True)


def sweep_stale_namespaces():
    """Removes namespaces left by a run of this test that was killed before its finalizers ran
    (its PID, in the name, is gone or reused by this process), with the processes that run
    made in them."""
    for line in run("ip", "netns", "list").stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        match = NS_PATTERN.match(name)
        if not match:
            continue
        pid = int(match.group(1))
        if pid != os.getpid() and Path(f"/proc/{pid}").exists():
            continue
        for pid in run("ip", "netns", "pids", name).stdout.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        delete_namespace(name)


@dataclass
class Dig:
    status: str
    flags: list
    server: str
    answers: list  # (name, ttl, type, rdata)
    text: str

    def addresses(self):
        return sorted(rdata for _, _, rtype, rdata in self.answers if rtype in ("A", "AAAA"))


@dataclass
class Lab:
    tmp: Path
    prefix: str
    namespaces: list = field(default_factory=list)
    processes: list = field(default_factory=list)
    created_netns_etc: bool = False
    logs: dict = field(default_factory=dict)

    def ns(self, role):
        return f"{self.prefix}{role}"

    @property
    def vpc(self):
        return self.ns("vpc")

    @property
    def app(self):
        return self.ns("app")

    @property
    def peer(self):
        return self.ns("peer")

    def env(self, **extra):
        return {"PATH": PATH, "LANG": "C.UTF-8", "HOME": str(self.tmp / "home"), **extra}

    def exec(self, ns, *cmd, timeout=30, env=None):
        """Runs a command in namespace `ns` through `ip netns exec` (so with its resolv.conf)."""
        return run("ip", "netns", "exec", ns, *cmd, timeout=timeout, env=env or self.env())

    def start(self, label, ns, *cmd):
        log = self.tmp / f"{label}.log"
        with open(log, "wb") as out:
            # `ip netns exec` execs the command: the PID is the server's own.
            process = subprocess.Popen(["ip", "netns", "exec", ns, *cmd], stdin=subprocess.DEVNULL,
                                       stdout=out, stderr=subprocess.STDOUT, env=self.env(),
                                       start_new_session=True)
        self.processes.append(process)
        return process, log

    def dig(self, ns, name, *options, rrtype="A"):
        result = self.exec(ns, tool("dig"), "+time=2", "+tries=2", *options, name, rrtype)
        assert result.returncode == 0, f"dig {name} in {ns}: {result.stdout}{result.stderr}"
        text = result.stdout
        answers, in_answer = [], False
        for line in text.splitlines():
            if line.startswith(";; ANSWER SECTION:"):
                in_answer = True
            elif in_answer and line.strip() and not line.startswith(";"):
                owner, ttl, _cls, rtype, rdata = line.split(None, 4)
                answers.append((owner, int(ttl), rtype, rdata))
            elif in_answer:
                in_answer = False
        status = re.search(r"status: (\w+)", text)
        flags = re.search(r";; flags: ([^;]*);", text)
        server = re.search(r";; SERVER: (\S+)", text)
        assert status and flags and server, text
        return Dig(status.group(1), flags.group(1).split(), server.group(1), answers, text)

    def getent(self, ns, name):
        result = self.exec(ns, tool("getent"), "ahosts", name)
        assert result.returncode == 0, f"getent ahosts {name} in {ns} exited {result.returncode}"
        return sorted({line.split()[0] for line in result.stdout.splitlines() if line.strip()})

    def getaddrinfo(self, ns, name):
        code = ("import json, socket, sys\n"
                "infos = socket.getaddrinfo(sys.argv[1], 443, proto=socket.IPPROTO_TCP)\n"
                "print(json.dumps(sorted({info[4][0] for info in infos})))")
        result = self.exec(ns, sys.executable, "-c", code, name)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def aws(self, ns, *args):
        """The AWS CLI in `ns`: test credentials, no profile or config file, no instance metadata,
        no proxy, one attempt; only moto (through --endpoint-url) is ever contacted."""
        env = self.env(
            AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION=REGION, AWS_EC2_METADATA_DISABLED="true",
            AWS_CONFIG_FILE=str(self.tmp / "no-aws-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(self.tmp / "no-aws-credentials"),
            AWS_MAX_ATTEMPTS="1", AWS_RETRY_MODE="standard",
        )
        return self.exec(ns, sys.executable, "-m", "awscli", *args,
                         "--endpoint-url", f"http://{SSM}", "--output", "json",
                         "--cli-connect-timeout", "5", "--cli-read-timeout", "30",
                         timeout=90, env=env)

    def query_log(self):
        path = self.tmp / "query.log"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def wait_for_query_log(self, predicate, after=0, timeout=5):
        """Records from the `after`th on that match `predicate` (the log is written in batches
        every 200 ms)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [record for record in self.query_log()[after:] if predicate(record)]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


def build_network(lab):
    ip = lambda ns, *args: must("ip", "-n", ns, *args)
    for role in ("vpc", "app", "peer"):
        must("ip", "netns", "add", lab.ns(role))
        lab.namespaces.append(lab.ns(role))
        ip(lab.ns(role), "link", "set", "lo", "up")
    # Each veth is created with both ends already in their namespaces: none ever exists in the
    # host's namespace, and namespace-local names cannot clash with anyone else's.
    must("ip", "link", "add", "name", "to-app", "netns", lab.vpc, "type", "veth",
         "peer", "name", "eth0", "netns", lab.app)
    must("ip", "link", "add", "name", "to-peer", "netns", lab.vpc, "type", "veth",
         "peer", "name", "eth0", "netns", lab.peer)
    ip(lab.vpc, "link", "add", "br0", "type", "bridge")
    ip(lab.vpc, "link", "set", "to-app", "master", "br0")
    for address in (RESOLVER_A, RESOLVER_SHARED, ENDPOINT_IP):
        ip(lab.vpc, "addr", "add", f"{address}/16", "dev", "br0")
    ip(lab.vpc, "addr", "add", f"{RESOLVER_B}/16", "dev", "to-peer")
    ip(lab.app, "addr", "add", f"{APP_IP}/16", "dev", "eth0")
    ip(lab.peer, "addr", "add", f"{PEER_IP}/16", "dev", "eth0")
    for ns, link in ((lab.vpc, "br0"), (lab.vpc, "to-app"), (lab.vpc, "to-peer"),
                     (lab.app, "eth0"), (lab.peer, "eth0")):
        ip(ns, "link", "set", link, "up")
    ip(lab.peer, "route", "add", "10.10.0.0/16", "via", RESOLVER_B)

    # /etc/netns is removed at the end when it was missing or empty (left by a killed run) here.
    lab.created_netns_etc = not NETNS_ETC.exists() or not any(NETNS_ETC.iterdir())
    for ns, server in ((lab.app, RESOLVER_A), (lab.peer, RESOLVER_B), (lab.vpc, "127.0.0.1")):
        # The VPC namespace's own resolv.conf points at its loopback (nothing answers there), so
        # no process in it could ever use the host's resolver.
        (NETNS_ETC / ns).mkdir(parents=True, exist_ok=True)
        (NETNS_ETC / ns / "resolv.conf").write_text(f"nameserver {server}\noptions timeout:2 attempts:2\n")


def write_configs(lab):
    (lab.tmp / "home").mkdir()
    (lab.tmp / "unbound.conf").write_text(f"""server:
    interface: 127.0.0.1@{UPSTREAM_PORT}
    port: {UPSTREAM_PORT}
    do-ip6: no
    do-daemonize: no
    use-syslog: no
    logfile: ""
    username: ""
    chroot: ""
    pidfile: ""
    directory: "{lab.tmp}"
    access-control: 127.0.0.0/8 allow
    verbosity: 1
    log-queries: yes
    # Nothing is resolved from outside: the whole tree is local data.
    local-zone: "." static
    local-data: "{SSM}. 300 IN A {PUBLIC_SSM}"
    local-data: "{FORWARDED}. 300 IN A {PUBLIC_FORWARDED}"
remote-control:
    control-enable: no
""")
    (lab.tmp / "vpcdns.yaml").write_text(f"""listen: ["{RESOLVER_SHARED}:53"]
upstreams: ["127.0.0.1:{UPSTREAM_PORT}"]
allow: ["127.0.0.0/8"]
upstream_timeout_ms: 1000
upstream_tries: 2
query_log:
  path: {lab.tmp / "query.log"}
vpcs:
  - id: {VPC_A}
    region: {REGION}
    cidrs: ["10.10.0.0/16"]
    listen: ["{RESOLVER_A}:53"]
    enable_dns_support: true
    enable_dns_hostnames: true
    instances:
      - {{ id: {APP_INSTANCE}, ipv4: {APP_IP} }}
    endpoints:
      - id: {ENDPOINT}
        service: com.amazonaws.{REGION}.ssm
        dns_suffix: {SUFFIX}
        private_dns: true
        interfaces:
          - {{ az: {REGION}a, ipv4: {ENDPOINT_IP} }}
  - id: {VPC_B}
    region: {REGION}
    cidrs: ["10.20.0.0/16"]
    listen: ["{RESOLVER_B}:53"]
    enable_dns_support: true
    enable_dns_hostnames: true
""")


def start_servers(lab):
    unbound, unbound_log = lab.start("unbound", lab.vpc, tool("unbound"), "-d", "-c", str(lab.tmp / "unbound.conf"))

    def upstream_answers():
        result = lab.exec(lab.vpc, tool("dig"), "+time=1", "+tries=1", "-p", str(UPSTREAM_PORT),
                          "@127.0.0.1", FORWARDED, timeout=10)
        return PUBLIC_FORWARDED in result.stdout
    wait_until("unbound answering in the VPC namespace", upstream_answers, 20, unbound, unbound_log)

    vpcdns, vpcdns_log = lab.start("vpcdns", lab.vpc, vpcdns_binary(), "serve",
                                   "--config", str(lab.tmp / "vpcdns.yaml"), "--log-level", "info")

    def vpcdns_answers():
        result = lab.exec(lab.vpc, tool("dig"), "+time=1", "+tries=1", f"@{RESOLVER_A}", SSM, timeout=10)
        return ENDPOINT_IP in result.stdout
    wait_until("vpcdns answering on 10.10.0.2", vpcdns_answers, 30, vpcdns, vpcdns_log)

    moto, moto_log = lab.start("moto", lab.vpc, sys.executable, "-m", "moto.server",
                               "-H", ENDPOINT_IP, "-p", "80")

    def moto_listens():
        code = f"import socket; socket.create_connection(('{ENDPOINT_IP}', 80), 1).close()"
        return lab.exec(lab.vpc, sys.executable, "-c", code, timeout=10).returncode == 0
    wait_until("moto listening on 10.10.1.10:80", moto_listens, 60, moto, moto_log)
    return {"unbound": unbound_log, "vpcdns": vpcdns_log, "moto": moto_log}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.fail("test_vpc_namespaces needs root (it creates network namespaces); run it as root")
    if shutil.which("ip", path=PATH) is None:
        pytest.fail("iproute2 (`ip`) is missing: run scripts/install-deps.sh")
    for module in ("moto.server", "awscli"):
        if run(sys.executable, "-c", f"import {module}").returncode != 0:
            pytest.fail(f"Python module {module} is missing: run scripts/install-deps.sh")
    vpcdns_binary()
    sweep_stale_namespaces()
    lab = Lab(tmp=tmp_path_factory.mktemp("netns"), prefix=f"vpcdns-{os.getpid()}-")
    try:
        build_network(lab)
        write_configs(lab)
        lab.logs = start_servers(lab)
        yield lab
    finally:
        for process in reversed(lab.processes):
            stop_process(process)
        for name in lab.namespaces:
            delete_namespace(name)
        if lab.created_netns_etc:
            try:
                NETNS_ETC.rmdir()
            except OSError:
                pass  # someone else put a namespace's folder there meanwhile
        left = [name for name in run("ip", "netns", "list").stdout.split() if name.startswith(lab.prefix)]
        assert not left, f"namespaces left behind: {left}"


def test_namespaces_are_closed(lab):
    """Only the links this test made, no default route, and no route to the host's resolver or
    the internet, so no name or packet can leave the namespaces."""
    host_resolvers = re.findall(r"^\s*nameserver\s+(\S+)", Path("/etc/resolv.conf").read_text(), re.M)
    expected_links = {lab.vpc: {"lo", "br0", "to-app", "to-peer"}, lab.app: {"lo", "eth0"},
                      lab.peer: {"lo", "eth0"}}
    for ns, links in expected_links.items():
        listed = {line.split(":")[1].strip().split("@")[0]
                  for line in must("ip", "-n", ns, "-o", "link", "show").splitlines()}
        assert listed == links, ns
        assert must("ip", "-n", ns, "-4", "route", "show", "default").strip() == "", ns
        assert must("ip", "-n", ns, "-6", "route", "show", "default").strip() == "", ns
        for destination in ["1.1.1.1", "2001:4860:4860::8888", PUBLIC_SSM, *host_resolvers]:
            result = run("ip", "-n", ns, "route", "get", destination)
            assert result.returncode != 0 and "unreachable" in result.stderr, (ns, destination, result.stdout)
    assert lab.exec(lab.app, "cat", "/etc/resolv.conf").stdout.startswith(f"nameserver {RESOLVER_A}\n")
    assert lab.exec(lab.peer, "cat", "/etc/resolv.conf").stdout.startswith(f"nameserver {RESOLVER_B}\n")


def test_dig_in_vpc_sees_endpoint_private_dns(lab):
    for options in ((), ("+tcp",)):
        answer = lab.dig(lab.app, SSM, *options)
        assert answer.server.startswith(f"{RESOLVER_A}#53"), answer.text
        assert answer.status == "NOERROR", answer.text
        assert sorted(answer.flags) == ["qr", "ra", "rd"], answer.text  # never aa, like AWS
        assert answer.answers == [(f"{SSM}.", 60, "A", ENDPOINT_IP)], answer.text
    # The endpoint's private zone has the name but no AAAA (ip_type ipv4): NODATA.
    aaaa = lab.dig(lab.app, SSM, rrtype="AAAA")
    assert (aaaa.status, aaaa.answers) == ("NOERROR", []), aaaa.text
    logged = lab.wait_for_query_log(lambda r: r["srcaddr"] == APP_IP and r["query_name"] == f"{SSM}.")
    assert logged and logged[0]["vpc_id"] == VPC_A, logged
    assert f"private DNS {SSM}. of {ENDPOINT}" in logged[0]["vpcdns_answered_by"], logged


def test_glibc_and_python_in_vpc_resolve_through_vpcdns(lab):
    assert lab.getent(lab.app, SSM) == [ENDPOINT_IP]
    assert lab.getaddrinfo(lab.app, SSM) == [ENDPOINT_IP]


def test_endpoint_specific_names(lab):
    """vpce- names are public on AWS: both VPCs' clients get the interface address."""
    for name in (VPCE_NAME, VPCE_ZONAL):
        for ns in (lab.app, lab.peer):
            answer = lab.dig(ns, name)
            assert (answer.status, answer.addresses()) == ("NOERROR", [ENDPOINT_IP]), answer.text
            assert "aa" not in answer.flags, answer.text
        assert lab.getent(lab.app, name) == [ENDPOINT_IP]
    assert lab.getaddrinfo(lab.peer, VPCE_NAME) == [ENDPOINT_IP]


def test_forwarded_name_comes_from_the_upstream(lab):
    answer = lab.dig(lab.app, FORWARDED)
    assert (answer.status, answer.addresses()) == ("NOERROR", [PUBLIC_FORWARDED]), answer.text
    # unbound's local data carries aa; vpcdns, like AWS's resolver, never sets it.
    assert sorted(answer.flags) == ["qr", "ra", "rd"], answer.text
    assert lab.getent(lab.app, FORWARDED) == [PUBLIC_FORWARDED]
    assert lab.getaddrinfo(lab.peer, FORWARDED) == [PUBLIC_FORWARDED]
    missing = lab.dig(lab.app, "missing.example.com")
    assert (missing.status, missing.answers) == ("NXDOMAIN", []), missing.text
    logged = lab.wait_for_query_log(lambda r: r["query_name"] == f"{FORWARDED}.")
    assert logged and logged[0]["vpcdns_answered_by"] == f"view {VPC_A}: recursion", logged
    assert logged[0]["answers"] == [{"Rdata": PUBLIC_FORWARDED, "Type": "A", "Class": "IN"}], logged


def test_other_vpc_gets_the_upstream_answer(lab):
    """VPC B has no ssm endpoint: its clients, through VPC B's resolver address, get what the
    upstream ("public DNS") says, from dig, glibc and Python alike."""
    answer = lab.dig(lab.peer, SSM)
    assert answer.server.startswith(f"{RESOLVER_B}#53"), answer.text
    assert (answer.status, answer.addresses()) == ("NOERROR", [PUBLIC_SSM]), answer.text
    assert sorted(answer.flags) == ["qr", "ra", "rd"], answer.text
    assert lab.getent(lab.peer, SSM) == [PUBLIC_SSM]
    assert lab.getaddrinfo(lab.peer, SSM) == [PUBLIC_SSM]
    # Still the endpoint's address in VPC A afterwards: the cached upstream answer is not shared.
    assert lab.dig(lab.app, SSM).addresses() == [ENDPOINT_IP]


def test_views_follow_the_unchanged_source_address(lab):
    """On an address of no VPC, the view is the client's VPC by source address, which arrives
    unchanged; on a VPC's own listen address, that VPC's view, whoever asks (as documented)."""
    from_app = lab.dig(lab.app, SSM, f"@{RESOLVER_SHARED}")
    from_peer = lab.dig(lab.peer, SSM, f"@{RESOLVER_SHARED}")
    assert from_app.addresses() == [ENDPOINT_IP], from_app.text
    assert from_peer.addresses() == [PUBLIC_SSM], from_peer.text
    peer_via_a = lab.dig(lab.peer, SSM, f"@{RESOLVER_A}")
    assert peer_via_a.addresses() == [ENDPOINT_IP], peer_via_a.text
    logged = lab.wait_for_query_log(lambda r: r["srcaddr"] == PEER_IP and r["query_name"] == f"{VPCE_NAME}.")
    assert logged and {r["vpc_id"] for r in logged} == {VPC_B}, logged
    sources = {r["srcaddr"] for r in lab.query_log()}
    assert sources <= {APP_IP, PEER_IP, RESOLVER_A}, sources  # no NAT: only real client addresses


def test_aws_cli_reaches_moto_by_the_default_hostname(lab):
    name, value = "/vpcdns/netns-test", "resolved through vpcdns"
    before = len(lab.query_log())
    put = lab.aws(lab.app, "ssm", "put-parameter", "--name", name, "--value", value, "--type", "String")
    assert put.returncode == 0, put.stdout + put.stderr + lab.logs["moto"].read_text()[-2000:]
    assert json.loads(put.stdout)["Version"] == 1, put.stdout
    got = lab.aws(lab.app, "ssm", "get-parameter", "--name", name)
    assert got.returncode == 0, got.stdout + got.stderr
    assert json.loads(got.stdout)["Parameter"]["Value"] == value, got.stdout
    # The CLI asked vpcdns for the hostname from the app namespace...
    asked = lab.wait_for_query_log(
        lambda r: r["srcaddr"] == APP_IP and r["query_name"] == f"{SSM}." and r["query_type"] == "A",
        after=before)
    assert asked and all(r["answers"] == [{"Rdata": ENDPOINT_IP, "Type": "A", "Class": "IN"}]
                         for r in asked), lab.query_log()[before:]
    # ...and moto saw both requests come from the app host's own address.
    requests = [line for line in lab.logs["moto"].read_text().splitlines()
                if line.startswith(f"{APP_IP} ") and '"POST / HTTP/1.1" 200' in line]
    assert len(requests) == 2, lab.logs["moto"].read_text()


def test_aws_cli_in_other_vpc_cannot_reach_the_endpoint(lab):
    """From VPC B the same hostname resolves to the public address, which has no route here:
    the CLI fails to connect and moto sees nothing from that host."""
    result = lab.aws(lab.peer, "ssm", "get-parameter", "--name", "/vpcdns/netns-test")
    assert result.returncode != 0, result.stdout
    assert "Could not connect to the endpoint URL" in result.stderr, result.stderr
    assert PEER_IP not in lab.logs["moto"].read_text()


def test_instance_ec2_name_and_reverse_from_the_client(lab):
    """The app host is an instance of VPC A: glibc resolves its EC2 name (what `hostname -f`
    prints on EC2) and its address back to that name, both answered by vpcdns's autodefined
    zones without the upstream (AWS-DNS-RULES 11)."""
    forward = lab.exec(lab.app, tool("getent"), "hosts", APP_NAME)
    assert forward.returncode == 0, forward.stdout + forward.stderr
    assert forward.stdout.split()[:2] == [APP_IP, APP_NAME], forward.stdout
    back = lab.exec(lab.app, tool("getent"), "hosts", APP_IP)
    assert back.returncode == 0, back.stdout + back.stderr
    assert back.stdout.split()[:2] == [APP_IP, APP_NAME], back.stdout
    logged = lab.wait_for_query_log(lambda r: r["srcaddr"] == APP_IP and r["query_type"] == "PTR")
    assert logged and logged[0]["query_name"] == "5.5.10.10.in-addr.arpa.", logged
    assert logged[0]["answers"] == [{"Rdata": f"{APP_NAME}.", "Type": "PTR", "Class": "IN"}], logged
    assert "autodefined zone 10.10.in-addr.arpa." in logged[0]["vpcdns_answered_by"], logged
    # The peer VPC, in the same region, has its own ap-northeast-1.compute.internal without
    # this instance: NXDOMAIN there, also locally.
    assert lab.exec(lab.peer, tool("getent"), "hosts", APP_NAME).returncode == 2
    # The upstream (unbound logs every query it gets) saw none of these names.
    upstream_queries = lab.logs["unbound"].read_text()
    assert "in-addr.arpa" not in upstream_queries and "compute.internal" not in upstream_queries, upstream_queries
