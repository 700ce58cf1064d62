#!/usr/bin/env bash
# test-deb-in-host.sh DEB: the real vpcdns package on a real systemd host (test-host.sh: Debian 12,
# systemd as PID 1, its own network namespace with only loopback, systemd-resolved running on
# 127.0.0.53:53 as on a stock host), driven from inside with systemctl, dig, getent and journalctl:
#   - `apt-get install ./vpcdns_*.deb` succeeds while resolved holds port 53, starts nothing, and
#     the binary runs on a host without Swift;
#   - `systemctl enable --now vpcdns` with the shipped config, its upstream pointed at a dnsmasq
#     the test runs on 127.0.0.1:5300 (local names only, no recursion): a private endpoint name, an
#     endpoint-specific name, a private zone name and a forwarded name, over UDP and TCP;
#   - journal priorities; the watchdog fed by the real daemon;
#   - config change + `systemctl reload` -> new answer, same process; a broken config + reload ->
#     still active, old answers, the error with file:line in `journalctl -u vpcdns`;
#   - `control:` and `metrics:` on under the unit (DynamicUser, RuntimeDirectory): the control
#     socket in /run/vpcdns (the dynamic user's, 0600), `vpcdns ctl` status / lookup / reload (a
#     broken config: file:line, exit 1, still serving) as root, refused for another user;
#     /metrics (vpcdns_requests_total grows with a dig), /health, /ready (503 after the failed reload);
#   - restart, reinstall over a running service (conffile kept), stop;
#   - both documented set-ups with systemd-resolved: resolved forwarding to vpcdns (DNS=127.0.0.1),
#     and resolved's stub off with /etc/resolv.conf naming 127.0.0.1; glibc lookups (getent) then
#     see the VPC's answers;
#   - remove (service stopped and disabled, config kept) and purge.
# Prints "N passed, M failed"; exit status 0 only when nothing failed. Needs root and what
# test-host.sh needs.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
deb="${1:?usage: test-deb-in-host.sh PATH/vpcdns_VERSION_ARCH.deb}"
[ -f "$deb" ] || { echo "no such package: $deb"; echo "0 passed, 1 failed"; exit 1; }
version="$(dpkg-deb --field "$deb" Version)"
# shellcheck source=test-host.sh
source "$here/test-host.sh"

# shellcheck source=checks.sh
source "$here/checks.sh"
# answers_at SERVER NAME [dig options]: the A records dig gets from SERVER:53, sorted, on one line.
answers_at() {
  local server="$1" name="$2"; shift 2
  host_exec dig "@$server" -p 53 "$name" A +short +tries=1 +time=3 "$@" 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//'
}
expect_answers_at() { # expect_answers_at SERVER "EXPECTED" NAME [dig options]
  local server="$1" expected="$2" got
  shift 2
  got="$(answers_at "$server" "$@")"
  [ "$got" = "$expected" ] || { echo "  @$server $1: got '$got', want '$expected'"; return 1; }
}
# expect_answers "EXPECTED" NAME [dig options]: from vpcdns on 127.0.0.1:53.
expect_answers() { expect_answers_at 127.0.0.1 "$@"; }
getent_v4() { host_exec getent ahostsv4 "$1" | awk '{ print $1 }' | sort -u | tr '\n' ' ' | sed 's/ $//'; }
expect_getent() {
  local got
  got="$(getent_v4 "$2")"
  [ "$got" = "$1" ] || { echo "  getent $2: got '$got', want '$1'"; return 1; }
}
journal() { host_exec journalctl -u vpcdns.service --no-pager "$@"; }
# priority_of PATTERN: the PRIORITY journald stored for the last vpcdns line matching PATTERN.
priority_of() {
  journal -o json --output-fields=MESSAGE,PRIORITY |
    python3 -c 'import json, re, sys
p = None
for line in sys.stdin:
    e = json.loads(line)
    m = e.get("MESSAGE")
    if isinstance(m, str) and re.search(sys.argv[1], m):
        p = e.get("PRIORITY")
print(p or "")' "$1"
}
config_edit() { host_exec sed -i "$@" /etc/vpcdns/vpcdns.yaml; }
CONTROL_SOCKET=/run/vpcdns/control.sock
METRICS=127.0.0.1:9153
ctl() { host_exec vpcdns ctl --socket "$CONTROL_SOCKET" "$@"; }
# check_text DESCRIPTION TEXT PATTERN: passes when TEXT has a line matching PATTERN; shows TEXT if not.
check_text() {
  if contains "$2" "$3"; then pass "$1"; else fail "$1"; head -n 30 <<<"$2" | sed 's/^/  | /'; fi
}
# http_get PATH: the HTTP status on the first line, then the body, from the metrics listener in
# the host. Python's urllib from outside the container, run in the host's network namespace (the
# host's root file system has neither curl nor python3).
http_get() {
  if [ -z "${HOST_PID1:-}" ]; then host_load_state || return 1; fi
  nsenter -t "$HOST_PID1" -n python3 - "http://$METRICS$1" <<'EOF'
import sys, urllib.error, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    with opener.open(sys.argv[1], timeout=5) as response:
        status, body = response.status, response.read()
except urllib.error.HTTPError as error:
    status, body = error.code, error.read()
print(status)
sys.stdout.write(body.decode())
EOF
}
# requests_total: the sum of every vpcdns_requests_total series on /metrics.
requests_total() { http_get /metrics | awk '/^vpcdns_requests_total[{ ]/ { sum += $NF } END { print sum + 0 }'; }

SSM=ssm.ap-northeast-1.amazonaws.com
VPCE=vpce-0f3a8c21d47b95e6a-q2k7x9mb.ssm.ap-northeast-1.vpce.amazonaws.com
ZONE_NAME=corp.example.internal
FORWARDED=www.forwarded.example.net

workdir="$(mktemp -d "${TMPDIR:-/tmp}/vpcdns-deb-in-host.XXXXXX")"
cleanup() {
  [ -n "${HOST_NSPAWN_PID:-}" ] && host_stop
  rm -rf "$workdir"
}
trap cleanup EXIT

started=$SECONDS
echo "== booting the test host"
export HOST_STATE_DIR="$workdir/host"
mkdir -p "$HOST_STATE_DIR"
if ! host_boot; then
  echo "0 passed, 1 failed"
  exit 1
fi
echo "booted in $((SECONDS - started))s"
# The host's interface in the example VPC (10.10.0.0/16): a veth pair inside the container, as the
# kernel may lack the dummy driver. Without a link other than loopback, systemd-resolved takes the
# network for down and forwards nothing.
host_exec ip link add vpc0 type veth peer name vpc0-peer &&
  host_exec ip addr add 10.10.0.5/16 dev vpc0 &&
  host_exec ip link set vpc0 up && host_exec ip link set vpc0-peer up ||
  fail "could not add the VPC interface"

echo "== install with port 53 held by systemd-resolved"
check "systemd-resolved is active" test "$(prop systemd-resolved.service ActiveState)" = active
check "resolved holds 127.0.0.53:53 before the install" \
  wait_for 10 contains "$(host_exec ss -Hunl 'sport = :53')" '127.0.0.53[%a-z]*:53'
check "no Swift on the host" not host_exec sh -c 'command -v swift || ls -d /usr/lib/swift /opt/swift' 2>/dev/null
host_exec sh -c 'cat > /root/vpcdns.deb' <"$deb"
install_log="$(host_exec env DEBIAN_FRONTEND=noninteractive apt-get install -y /root/vpcdns.deb 2>&1)"
status=$?
check "apt-get install ./vpcdns.deb succeeds" test "$status" -eq 0
[ "$status" -eq 0 ] || echo "$install_log" | tail -n 20
check "package installed, version $version" \
  test "$(host_exec dpkg-query -W -f='${Status} ${Version}' vpcdns)" = "install ok installed $version"
check "vpcdns --version runs without Swift (static runtime)" test "$(host_exec vpcdns --version)" = "$version"
libraries="$(host_exec ldd /usr/bin/vpcdns | awk '{ print $1 }' | sort | tr '\n' ' ')"
check "the binary needs only glibc and c-ares ($libraries)" \
  test "$libraries" = "/lib64/ld-linux-x86-64.so.2 libc.so.6 libcares.so.2 libm.so.6 linux-vdso.so.1 "
check "units installed" host_exec test -f /usr/lib/systemd/system/vpcdns.service -a -f /usr/lib/systemd/system/vpcdns.socket
check "systemd knows the unit (postinst daemon-reload)" \
  test "$(prop vpcdns.service LoadState)" = loaded
check "not started by the install" test "$(prop vpcdns.service ActiveState)" = inactive
check "not enabled by the install" test "$(host_exec systemctl is-enabled vpcdns.service)" = disabled
check "resolved still active and on 127.0.0.53:53" \
  test "$(prop systemd-resolved.service ActiveState)" = active
conffiles="$(host_exec dpkg-query -W -f='${Conffiles}' vpcdns)"
check "conffiles: vpcdns.yaml" contains "$conffiles" '/etc/vpcdns/vpcdns.yaml '
check "conffiles: the zone file" contains "$conffiles" '/etc/vpcdns/zones/corp.example.internal.zone '
shipped_check="$(host_exec vpcdns check --config /etc/vpcdns/vpcdns.yaml)"
shipped_status=$?
check "shipped config passes vpcdns check ($shipped_check)" test "$shipped_status" -eq 0
# The private zone count includes the autodefined zones, so it is taken from `vpcdns check`.
zone_count="$(sed -n 's/.* \([0-9][0-9]*\) private zones.*/\1/p' <<<"$shipped_check")"
check "shipped config listens on 127.0.0.1:53" host_exec grep -q '^listen: \["127.0.0.1:53"\]' /etc/vpcdns/vpcdns.yaml

echo "== upstream: dnsmasq on 127.0.0.1:5300, local names only"
host_exec systemd-run --unit=test-upstream --quiet -p Type=simple \
  dnsmasq --keep-in-foreground --port=5300 --listen-address=127.0.0.1 --bind-interfaces \
  --no-resolv --no-hosts --user=nobody --group=nogroup --log-queries --log-facility=- \
  --host-record="$FORWARDED,192.0.2.80" --address=/forwarded-zone.example.net/192.0.2.81
check "upstream answers $FORWARDED" wait_for 10 test \
  "$(host_exec dig @127.0.0.1 -p 5300 "$FORWARDED" +short +tries=1 +time=1 2>/dev/null)" = 192.0.2.80

echo "== systemctl enable --now vpcdns (shipped config, upstream 127.0.0.1:5300)"
config_edit 's|^upstreams: \["resolv.conf"\]|upstreams: ["127.0.0.1:5300"]|'
check "config now forwards to 127.0.0.1:5300" host_exec grep -q '^upstreams: \["127.0.0.1:5300"\]' /etc/vpcdns/vpcdns.yaml
check "systemctl enable --now vpcdns" host_exec systemctl enable --now vpcdns.service
check "active (running)" test "$(prop vpcdns.service ActiveState)/$(prop vpcdns.service SubState)" = active/running
check "enabled" test "$(host_exec systemctl is-enabled vpcdns.service)" = enabled
status_text="$(prop vpcdns.service StatusText)"
check "STATUS= summary shown ($status_text)" contains "$status_text" "^1 VPC views, ${zone_count:-?} private zones, 18 endpoint names"
main_pid="$(prop vpcdns.service MainPID)"
uid="$(host_exec awk '/^Uid:/ { print $2 }' "/proc/$main_pid/status")"
check "runs as a dynamic user (uid $uid), not root" test "${uid:-0}" -ge 61184 -a "${uid:-0}" -le 65519
check "vpcdns and resolved both on port 53" \
  contains "$(host_exec ss -Hunl 'sport = :53' | tr '\n' ' ')" '127.0.0.1:53.*127.0.0.53[%a-z]*:53\|127.0.0.53[%a-z]*:53.*127.0.0.1:53'
check "private endpoint name over UDP" expect_answers "10.10.1.10 10.10.2.10" "$SSM"
check "private endpoint name over TCP" expect_answers "10.10.1.10 10.10.2.10" "$SSM" +tcp
check "endpoint-specific name" expect_answers "10.10.1.10 10.10.2.10" "$VPCE"
check "private zone name" expect_answers "10.10.3.20" "$ZONE_NAME"
check "forwarded name (through dnsmasq)" expect_answers "192.0.2.80" "$FORWARDED"
check "forwarded name over TCP" expect_answers "192.0.2.81" "a.forwarded-zone.example.net" +tcp
check "the forwarded query reached the upstream" \
  contains "$(host_exec journalctl -u test-upstream --no-pager -o cat)" "query\[A\] $FORWARDED from 127.0.0.1"
check "ExecStartPre check logged OK" contains "$(journal -o cat)" '/etc/vpcdns/vpcdns.yaml: OK'
check "journal: 'listening' at info (6)" test "$(priority_of '^info listening')" = 6
check "journal: 'ready' at info (6)" test "$(priority_of '^info ready')" = 6
check "journal: no doubled timestamp" not contains "$(journal -o cat)" '^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T'
check "journal: no <N> prefix left in messages" not contains "$(journal -o cat)" '^<[0-7]>'
check "systemd reports no warning about vpcdns" \
  test -z "$(host_exec journalctl _PID=1 -u vpcdns.service -p warning --no-pager -o cat)"

echo "== reload with a changed endpoint IP"
config_edit 's|ipv4: 10.10.1.10 }|ipv4: 10.10.1.99 }|'
check "systemctl reload vpcdns" host_exec systemctl reload vpcdns.service
check "new answer after reload" expect_answers "10.10.1.99 10.10.2.10" "$SSM"
check "endpoint-specific name follows" expect_answers "10.10.1.99 10.10.2.10" "$VPCE"
check "same process" test "$(prop vpcdns.service MainPID)" = "$main_pid"
check "journal: 'reloaded' at notice (5)" test "$(priority_of '^notice reloaded')" = 5

echo "== reload with a broken config"
host_exec cp /etc/vpcdns/vpcdns.yaml /root/good.yaml
printf 'bogus_key: 1\n' | host_exec sh -c 'cat >> /etc/vpcdns/vpcdns.yaml'
broken_line="$(host_exec grep -n '^bogus_key: 1' /etc/vpcdns/vpcdns.yaml | cut -d: -f1 | tail -n 1)"
check "systemctl reload returns" host_exec systemctl reload vpcdns.service
check "still active" test "$(prop vpcdns.service ActiveState)" = active
check "same process" test "$(prop vpcdns.service MainPID)" = "$main_pid"
check "old answers still served" expect_answers "10.10.1.99 10.10.2.10" "$SSM"
check "forwarding still works" expect_answers "192.0.2.80" "$FORWARDED"
errors="$(journal -p err -o cat)"
check "journalctl -u vpcdns -p err names /etc/vpcdns/vpcdns.yaml:$broken_line" \
  contains "$errors" "/etc/vpcdns/vpcdns.yaml:$broken_line"
check "journal: 'reload failed' at error (3)" test "$(priority_of 'reload failed')" = 3
check "journal: the file:line line at error (3) too" test "$(priority_of "^/etc/vpcdns/vpcdns.yaml:$broken_line:")" = 3
check "STATUS= says the reload failed" contains "$(prop vpcdns.service StatusText)" '^reload failed'
check "vpcdns check reports it too" not host_exec vpcdns check --config /etc/vpcdns/vpcdns.yaml 2>/dev/null
host_exec cp /root/good.yaml /etc/vpcdns/vpcdns.yaml

echo "== control socket and metrics listener under the unit"
printf 'control: { socket: %s }\nmetrics: { listen: "%s" }\n' "$CONTROL_SOCKET" "$METRICS" |
  host_exec sh -c 'cat >> /etc/vpcdns/vpcdns.yaml'
check "config with control and metrics passes vpcdns check" host_exec vpcdns check --config /etc/vpcdns/vpcdns.yaml
check "systemctl restart vpcdns" host_exec systemctl restart vpcdns.service
ops_pid="$(prop vpcdns.service MainPID)"
ops_uid="$(host_exec awk '/^Uid:/ { print $2 }' "/proc/$ops_pid/status")"
check "active after the restart" test "$(prop vpcdns.service ActiveState)" = active
check "runs as a dynamic user (uid $ops_uid)" test "${ops_uid:-0}" -ge 61184 -a "${ops_uid:-0}" -le 65519
socket_info="$(host_exec stat -c '%F %u %a' "$CONTROL_SOCKET" 2>&1)"
check "$CONTROL_SOCKET: a socket of the dynamic user, mode 0600 ($socket_info)" \
  test "$socket_info" = "socket $ops_uid 600"
runtime_info="$(host_exec stat -c '%u %a' /run/vpcdns 2>&1)"
check "/run/vpcdns (RuntimeDirectory) owned by the dynamic user, 0755 ($runtime_info)" \
  test "$runtime_info" = "$ops_uid 755"
status_out="$(ctl status 2>&1)"
check_text "vpcdns ctl status as root" "$status_out" 'state: ready'
check_text "ctl status names the listener 127.0.0.1:53" "$status_out" '127.0.0.1:53'
check "vpcdns ctl status refused for another user" \
  not host_exec setpriv --reuid=nobody --regid=nogroup --clear-groups vpcdns ctl --socket "$CONTROL_SOCKET" status 2>/dev/null
lookup_out="$(ctl lookup "$ZONE_NAME" A --via 127.0.0.1:53 2>&1)"
check_text "vpcdns ctl lookup $ZONE_NAME: the private zone's A 10.10.3.20" "$lookup_out" \
  "^$ZONE_NAME\.[[:space:]]*[0-9]*[[:space:]]*IN[[:space:]]*A[[:space:]]*10\.10\.3\.20$"
lookup_ssm="$(ctl lookup "$SSM" A --via 127.0.0.1:53 2>&1)"
check_text "vpcdns ctl lookup $SSM: the endpoint's private DNS name" "$lookup_ssm" \
  "^$SSM\.[[:space:]]*[0-9]*[[:space:]]*IN[[:space:]]*A[[:space:]]*10\.10\.1\.99$"
health="$(http_get /health | head -n 1)"
check "GET /health: 200 ($health)" test "$health" = 200
ready="$(http_get /ready | head -n 1)"
check "GET /ready: 200 ($ready)" test "$ready" = 200
before="$(requests_total)"
expect_answers "10.10.3.20" "$ZONE_NAME" >/dev/null
after="$(requests_total)"
check "GET /metrics: vpcdns_requests_total grows after a dig ($before -> $after)" test "${after:-0}" -gt "${before:-0}"
check "GET /metrics: build info" contains "$(http_get /metrics)" '^vpcdns_build_info{'
host_exec cp /etc/vpcdns/vpcdns.yaml /root/good-ops.yaml
printf 'bogus_key: 1\n' | host_exec sh -c 'cat >> /etc/vpcdns/vpcdns.yaml'
ops_broken_line="$(host_exec grep -n '^bogus_key: 1' /etc/vpcdns/vpcdns.yaml | cut -d: -f1 | tail -n 1)"
reload_out="$(ctl reload 2>&1)"
reload_status=$?
check "vpcdns ctl reload of a broken config exits 1 ($reload_status)" test "$reload_status" -eq 1
check_text "ctl reload reports /etc/vpcdns/vpcdns.yaml:$ops_broken_line" "$reload_out" \
  "/etc/vpcdns/vpcdns.yaml:$ops_broken_line:"
check "still active, same process" \
  test "$(prop vpcdns.service ActiveState)/$(prop vpcdns.service MainPID)" = "active/$ops_pid"
check "old answers still served" expect_answers "10.10.1.99 10.10.2.10" "$SSM"
ready="$(http_get /ready | head -n 1)"
check "GET /ready: 503 after the failed reload ($ready)" test "$ready" = 503
host_exec cp /root/good-ops.yaml /etc/vpcdns/vpcdns.yaml
check_text "vpcdns ctl reload of the good config" "$(ctl reload 2>&1)" 'reloaded'
ready="$(http_get /ready | head -n 1)"
check "GET /ready: 200 again ($ready)" test "$ready" = 200
check "systemd reports no warning about vpcdns" \
  test -z "$(host_exec journalctl _PID=1 -u vpcdns.service -p warning --no-pager -o cat)"

echo "== watchdog fed by the real daemon (WatchdogSec=2s for the test)"
host_exec mkdir -p /etc/systemd/system/vpcdns.service.d
printf '[Service]\nWatchdogSec=2s\n' | host_exec sh -c 'cat > /etc/systemd/system/vpcdns.service.d/test-watchdog.conf'
host_exec systemctl daemon-reload
check "systemctl restart vpcdns" host_exec systemctl restart vpcdns.service
restarted_pid="$(prop vpcdns.service MainPID)"
check "restart: new process" test "$restarted_pid" != "$main_pid" -a "$restarted_pid" != 0
first_ping="$(prop vpcdns.service WatchdogTimestampMonotonic)"
sleep 3
check "watchdog pings arrive (WatchdogTimestamp moves)" \
  test "$(prop vpcdns.service WatchdogTimestampMonotonic)" -gt "${first_ping:-0}"
check "no watchdog restart after 1.5 timeouts" \
  test "$(prop vpcdns.service MainPID)/$(prop vpcdns.service NRestarts)" = "$restarted_pid/0"
check "answers after restart" expect_answers "10.10.1.99 10.10.2.10" "$SSM"
host_exec rm /etc/systemd/system/vpcdns.service.d/test-watchdog.conf
host_exec systemctl daemon-reload

echo "== set-up (b): resolved forwards to vpcdns on 127.0.0.1:53"
host_exec mkdir -p /etc/systemd/resolved.conf.d
printf '[Resolve]\nDNS=127.0.0.1\nDomains=~.\n' |
  host_exec sh -c 'cat > /etc/systemd/resolved.conf.d/vpcdns.conf'
host_exec systemctl restart systemd-resolved.service
check "/etc/resolv.conf names resolved's stub" host_exec grep -q '^nameserver 127.0.0.53' /etc/resolv.conf
check "dig @127.0.0.53: the VPC's answer through resolved" \
  wait_for 10 expect_answers_at 127.0.0.53 "10.10.1.99 10.10.2.10" "$SSM"
check "dig @127.0.0.53: forwarded name" expect_answers_at 127.0.0.53 "192.0.2.80" "$FORWARDED"
check "getent (glibc -> resolved -> vpcdns): endpoint name" expect_getent "10.10.1.99 10.10.2.10" "$SSM"
check "getent: private zone name" expect_getent "10.10.3.20" "$ZONE_NAME"

echo "== set-up (a): resolved's stub off, /etc/resolv.conf names vpcdns"
printf '[Resolve]\nDNSStubListener=no\n' | host_exec sh -c 'cat > /etc/systemd/resolved.conf.d/vpcdns.conf'
host_exec systemctl restart systemd-resolved.service
host_exec sh -c 'rm -f /etc/resolv.conf && echo "nameserver 127.0.0.1" > /etc/resolv.conf'
check "resolved no longer on port 53" wait_for 10 not contains "$(host_exec ss -Hunl 'sport = :53')" '127.0.0.53[%a-z]*:53'
check "getent (glibc -> vpcdns): endpoint name" expect_getent "10.10.1.99 10.10.2.10" "$SSM"
check "getent: forwarded name" expect_getent "192.0.2.80" "$FORWARDED"

echo "== reinstall over the running service"
config_edit 's|ipv4: 10.10.2.10 }|ipv4: 10.10.2.77 }|'
host_exec systemctl reload vpcdns.service
before_pid="$(prop vpcdns.service MainPID)"
check "dpkg -i again succeeds" host_exec env DEBIAN_FRONTEND=noninteractive dpkg -i /root/vpcdns.deb >/dev/null
check "the edited config is kept" host_exec grep -q 'ipv4: 10.10.2.77 }' /etc/vpcdns/vpcdns.yaml
check "running service restarted onto the new binary" \
  wait_for 10 test "$(prop vpcdns.service ActiveState)" = active -a "$(prop vpcdns.service MainPID)" != "$before_pid"
check "answers with the kept config" expect_answers "10.10.1.99 10.10.2.77" "$SSM"

echo "== socket activation: vpcdns.socket hands 127.0.0.1:53 to the real daemon"
host_exec systemctl stop vpcdns.service
check "vpcdns.socket starts" host_exec systemctl start vpcdns.socket
check "service not started yet" test "$(prop vpcdns.service ActiveState)" = inactive
check "first UDP query starts vpcdns and is answered" expect_answers "10.10.1.99 10.10.2.77" "$SSM"
check "service active" test "$(prop vpcdns.service ActiveState)" = active
check "TCP query answered on the passed socket" expect_answers "10.10.1.99 10.10.2.77" "$VPCE" +tcp
check "forwarded name through the passed socket" expect_answers "192.0.2.80" "$FORWARDED"
socket_pid="$(prop vpcdns.service MainPID)"
check "vpcdns did not bind 127.0.0.1:53 again (no 'cannot listen')" \
  not contains "$(journal -o cat "_PID=$socket_pid")" 'cannot listen'
check "one UDP and one TCP socket on 127.0.0.1:53, both systemd's" \
  test "$(host_exec ss -Hunl 'src 127.0.0.1:53' | wc -l)/$(host_exec ss -Htnl 'src 127.0.0.1:53' | wc -l)" = 1/1
host_exec systemctl stop vpcdns.socket vpcdns.service
host_exec systemctl start vpcdns.service

echo "== stop"
stop_pid="$(prop vpcdns.service MainPID)"
check "systemctl stop vpcdns" host_exec systemctl stop vpcdns.service
check "inactive, Result=success (exit 0 after STOPPING=1)" \
  test "$(prop vpcdns.service ActiveState)/$(prop vpcdns.service Result)" = inactive/success
check "journal: 'stopping' at notice (5)" test "$(priority_of '^notice stopping')" = 5
check "stopped process is gone" not host_exec test -d "/proc/$stop_pid"
check "/run/vpcdns and the control socket removed at stop (RuntimeDirectory)" not host_exec test -e /run/vpcdns
check "nothing answers on 127.0.0.1:53" not host_exec dig @127.0.0.1 -p 53 "$SSM" +tries=1 +time=1 >/dev/null 2>&1

echo "== remove and purge"
host_exec systemctl start vpcdns.service
check "apt-get remove vpcdns" host_exec env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq vpcdns >/dev/null
check "remove stopped the service" test "$(prop vpcdns.service ActiveState)" != active
check "remove disabled it" not host_exec test -e /etc/systemd/system/multi-user.target.wants/vpcdns.service
check "binary gone" not host_exec test -e /usr/bin/vpcdns
check "config kept after remove" host_exec test -f /etc/vpcdns/vpcdns.yaml
check "apt-get purge vpcdns" host_exec env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq vpcdns >/dev/null
check "purge removed /etc/vpcdns" not host_exec test -e /etc/vpcdns

echo "== shutdown"
host_stop
echo "took $((SECONDS - started))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
