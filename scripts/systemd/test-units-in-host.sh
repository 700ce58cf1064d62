#!/usr/bin/env bash
# Runs systemd/vpcdns.service and systemd/vpcdns.socket under real systemd (test-host.sh), with
# a stand-in /usr/bin/vpcdns built from Sources/SystemdSupport and scripts/systemd/probe, so that
# the units and SystemdSupport are proven together before the real daemon exists:
#   - Type=notify start (READY=1, STATUS=) in the full sandbox: DynamicUser, only
#     CAP_NET_BIND_SERVICE (binds 127.0.0.1:53 itself), the system call filter, /etc/resolv.conf
#     readable, the config directory readable, the logs directory writable;
#   - journal priorities from JournalStream's <N> prefixes;
#   - reload (SIGHUP -> RELOADING=1 ... READY=1), clean stop (STOPPING=1);
#   - the watchdog: pings keep it alive; when the health check fails systemd kills and restarts it;
#   - socket activation: LISTEN_FDS with the name "dns", UDP and TCP told apart by SO_TYPE.
# Prints "N passed, M failed"; exit status 0 only when nothing failed.
# Needs root, swiftc, and what test-host.sh needs. PROBE_BIN=path skips building the stand-in;
# UNITS_DIR=path tests other copies of the units.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
units_dir="${UNITS_DIR:-$repo/systemd}"
# shellcheck source=test-host.sh
source "$here/test-host.sh"

# shellcheck source=checks.sh
source "$here/checks.sh"

# unit_log_contains PATTERN [journalctl arguments]: the vpcdns.service journal has PATTERN.
unit_log_contains() {
  local pattern="$1"; shift
  host_exec journalctl -u vpcdns.service --no-pager -o cat "$@" | grep -q -- "$pattern"
}
restarted_since() { # restarted_since N: NRestarts above N and active again
  [ "$(prop vpcdns.service NRestarts)" -gt "$1" ] && [ "$(prop vpcdns.service ActiveState)" = active ]
}
# Journal lines (message only) of the unit's current main process, or of the whole unit.
journal_of_main() { host_exec journalctl -u vpcdns.service --no-pager -o cat "_PID=$(prop vpcdns.service MainPID)" "$@"; }
dns_status() { # dns_status [+tcp]: the status dig reports for a query to 127.0.0.1:53
  host_exec dig @127.0.0.1 -p 53 probe.example A +tries=1 +time=3 "$@" 2>/dev/null |
    sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
}

workdir="$(mktemp -d "${TMPDIR:-/tmp}/vpcdns-units-in-host.XXXXXX")"
cleanup() {
  if [ -n "${HOST_NSPAWN_PID:-}" ]; then
    host_stop
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

# The stand-in binary: SystemdSupport's sources and the probe as one module, static Swift runtime.
probe="${PROBE_BIN:-}"
if [ -z "$probe" ]; then
  probe="$workdir/vpcdns"
  echo "== building the stand-in vpcdns"
  # SystemdSupport imports Platform (the one monotonic clock, errno texts): built first as a module.
  if ! swiftc -O -parse-as-library -swift-version 6 -module-name Platform -emit-module \
      -emit-module-path "$workdir/Platform.swiftmodule" -emit-library -static -o "$workdir/libPlatform.a" \
      "$repo"/Sources/Platform/*.swift \
    || ! swiftc -O -static-stdlib -parse-as-library -swift-version 6 -module-name VpcdnsProbe \
      -I "$workdir" -L "$workdir" -lPlatform \
      "$repo"/Sources/SystemdSupport/*.swift "$here/probe/main.swift" -o "$probe"; then
    echo "0 passed, 1 failed"
    exit 1
  fi
fi

echo "== booting the test host"
export HOST_STATE_DIR="$workdir/host"
mkdir -p "$HOST_STATE_DIR"
if ! host_boot; then
  echo "0 passed, 1 failed"
  exit 1
fi

install_file() { # install_file SOURCE DEST MODE
  host_exec sh -c "mkdir -p \"\$(dirname '$2')\" && cat > '$2' && chmod $3 '$2'" <"$1"
}
install_file "$probe" /usr/bin/vpcdns 0755
install_file "$units_dir/vpcdns.service" /usr/lib/systemd/system/vpcdns.service 0644
install_file "$units_dir/vpcdns.socket" /usr/lib/systemd/system/vpcdns.socket 0644
host_exec mkdir -p /etc/vpcdns
echo 'listen: ["127.0.0.1:53"]' | host_exec sh -c 'cat > /etc/vpcdns/vpcdns.yaml'
host_exec systemctl daemon-reload

echo "== vpcdns.service started directly"
check "systemctl start returns after READY=1" host_exec systemctl start vpcdns.service
check "active (running)" test "$(prop vpcdns.service ActiveState)/$(prop vpcdns.service SubState)" = active/running
check "STATUS= shown" test "$(prop vpcdns.service StatusText)" = "serving on 2 sockets"
check "ExecStartPre check ran" unit_log_contains 'check: /etc/vpcdns/vpcdns.yaml is readable'
main_log="$(journal_of_main)"
check "runs as a dynamic user, not root" contains "$main_log" 'uid=6[1-5][0-9][0-9][0-9]$'
check "JOURNAL_STREAM detected on stderr" contains "$main_log" 'stderrIsJournal=true'
check "/etc/resolv.conf readable" contains "$main_log" 'read /etc/resolv.conf: ok'
check "/etc/vpcdns readable" contains "$main_log" 'read /etc/vpcdns/vpcdns.yaml: ok'
check "/var/log/vpcdns writable" contains "$main_log" 'write /var/log/vpcdns/query.log: ok'
check "binds port 53 with CAP_NET_BIND_SERVICE only" contains "$main_log" 'bound 127.0.0.1:53 itself'
check "no system call refused to libdispatch (errno 1)" not contains "$main_log" 'errno=1$'
check "systemd reports no warning about vpcdns.service" \
  test -z "$(host_exec journalctl _PID=1 -u vpcdns.service -p warning --no-pager -o cat)"
check "UDP query answered" test "$(dns_status)" = REFUSED
check "TCP query answered" test "$(dns_status +tcp)" = REFUSED
warnings="$(journal_of_main -p warning | grep '^probe: level' | tr '\n' ' ')"
check "journal priorities: -p warning shows warning, error, critical only" \
  test "$warnings" = "probe: level warning probe: level error probe: level critical "
debug_priorities="$(host_exec journalctl -u vpcdns.service --no-pager -o json-pretty -p debug \
  "_PID=$(prop vpcdns.service MainPID)" | grep -E '"(PRIORITY|MESSAGE)"' | paste - - | grep 'probe: level' |
  sed -E 's/.*"PRIORITY" : "([0-9])".*level ([a-z]+).*/\2=\1/; s/.*level ([a-z]+).*"PRIORITY" : "([0-9])".*/\1=\2/' | tr '\n' ' ')"
check "journal priorities: trace..critical are 7 7 6 5 4 3 2 ($debug_priorities)" \
  test "$debug_priorities" = "trace=7 debug=7 info=6 notice=5 warning=4 error=3 critical=2 "

echo "== reload"
pid_before="$(prop vpcdns.service MainPID)"
check "systemctl reload succeeds" host_exec systemctl reload vpcdns.service
check "reload ends in READY=1 (probe: reloaded)" wait_for 5 unit_log_contains 'probe: reloaded' "_PID=$pid_before"
check "same process, still active" test "$(prop vpcdns.service MainPID)/$(prop vpcdns.service ActiveState)" = "$pid_before/active"

echo "== watchdog (WatchdogSec=2s for the test)"
host_exec mkdir -p /etc/systemd/system/vpcdns.service.d
printf '[Service]\nWatchdogSec=2s\n' | host_exec sh -c 'cat > /etc/systemd/system/vpcdns.service.d/test-watchdog.conf'
host_exec systemctl daemon-reload
host_exec systemctl restart vpcdns.service
first_ping="$(prop vpcdns.service WatchdogTimestampMonotonic)"
sleep 3
check "pings arrive while healthy (WatchdogTimestamp moves)" \
  test "$(prop vpcdns.service WatchdogTimestampMonotonic)" -gt "${first_ping:-0}"
check "still running after 1.5 timeouts" test "$(prop vpcdns.service ActiveState)" = active
check "watchdog interval is half of WatchdogSec" contains "$(journal_of_main)" 'watchdog interval 1.0 seconds'
sick_pid="$(prop vpcdns.service MainPID)"
restarts_before="$(prop vpcdns.service NRestarts)"
host_exec systemctl kill -s SIGUSR1 --kill-who=main vpcdns.service
check "failing health check: systemd reports a watchdog timeout" wait_for 10 unit_log_contains 'Watchdog timeout'
check "and restarts it (Restart=on-failure)" wait_for 10 restarted_since "$restarts_before"
check "with a new process" test "$(prop vpcdns.service MainPID)" != "$sick_pid"
host_exec rm /etc/systemd/system/vpcdns.service.d/test-watchdog.conf
host_exec systemctl daemon-reload

echo "== stop"
stop_pid="$(prop vpcdns.service MainPID)"
check "systemctl stop" host_exec systemctl stop vpcdns.service
check "stopped cleanly (Result=success)" test "$(prop vpcdns.service Result)" = success
check "STOPPING=1 path ran" unit_log_contains 'probe: stopping' "_PID=$stop_pid"

echo "== vpcdns.socket"
check "socket unit starts" host_exec systemctl start vpcdns.socket
check "service not started yet" test "$(prop vpcdns.service ActiveState)" = inactive
check "systemd reports no warning about vpcdns.socket" \
  test -z "$(host_exec journalctl _PID=1 -u vpcdns.socket -p warning --no-pager -o cat)"
udp_receive_buffer="$(host_exec ss -Huanm 'sport = :53' | sed -n 's/.*skmem:(r[0-9]*,rb\([0-9]*\),.*/\1/p' | head -n 1)"
check "ReceiveBuffer=4M applied (rb $udp_receive_buffer)" test "${udp_receive_buffer:-0}" -ge 4194304
check "first UDP query starts the service and is answered" test "$(dns_status)" = REFUSED
check "service active" test "$(prop vpcdns.service ActiveState)" = active
socket_log="$(journal_of_main)"
check "fd 3: dns, datagram, 127.0.0.1:53" contains "$socket_log" 'passed fd 3 name dns type datagram address 127.0.0.1:53 listening false'
check "fd 4: dns, stream, 127.0.0.1:53, listening" contains "$socket_log" 'passed fd 4 name dns type stream address 127.0.0.1:53 listening true'
check "LISTEN_* removed from the environment" contains "$socket_log" 'LISTEN_PID after receive: unset'
check "did not bind by itself" not contains "$socket_log" 'bound 127.0.0.1:53 itself'
check "TCP query answered on the passed socket" test "$(dns_status +tcp)" = REFUSED
host_exec systemctl restart vpcdns.service
check "after a service restart the sockets are passed again" test "$(dns_status)" = REFUSED
check "stop both" host_exec systemctl stop vpcdns.socket vpcdns.service

echo "== shutdown"
host_stop
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
