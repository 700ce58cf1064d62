#!/usr/bin/env bash
# A throw-away Debian 12 host with real systemd as PID 1, for tests that need systemd itself
# (Type=notify, the watchdog, socket activation, the unit's sandbox).
#
# The root file system is built once with debootstrap and cached; every boot runs it with a tmpfs
# overlay (--volatile=overlay), so nothing a test does in it survives and the cache stays clean.
# The container has its own network namespace with only a loopback device (--private-network).
#
# As a library:
#   source scripts/systemd/test-host.sh
#   host_boot                 # builds the root file system if needed, boots, waits for systemd
#   host_exec systemctl --version
#   host_stop                 # clean shutdown; kills by PID after a timeout
#   host_cleanup              # removes the state folder host_boot made
# host_boot keeps its state in HOST_STATE_DIR (a new temporary folder unless set), so separate
# processes can share one host: `test-host.sh boot DIR`, `test-host.sh exec DIR CMD...`,
# `test-host.sh stop DIR`. `test-host.sh selftest` proves the whole cycle; `test-host.sh build`
# only builds the cache.
#
# Settings (environment):
#   VPCDNS_TEST_ROOTFS   cached root file system (default /var/cache/vpcdns-test/rootfs-HASH, HASH
#                        from the package list)
#   VPCDNS_TEST_MIRROR   Debian mirror (default: the one apt on this machine uses for bookworm)
#   HOST_NSPAWN_ARGS     extra systemd-nspawn arguments, e.g. "--bind-ro=/work/dist:/dist"
#   HOST_BOOT_TIMEOUT    seconds to wait for systemd in the container (default 90)
# Needs root, debootstrap and systemd-nspawn (installed with apt when missing).

HOST_BOOT_TIMEOUT="${HOST_BOOT_TIMEOUT:-90}"
# procps: /bin/kill, which vpcdns.service's ExecReload= runs (minbase has none).
# systemd-resolved: a stock host, where resolved holds 127.0.0.53:53 (test-deb-in-host.sh).
# dnsmasq-base: a test upstream DNS server inside the host (no service of its own, nothing binds
# port 53 at boot).
HOST_PACKAGES="systemd,systemd-sysv,dbus,iproute2,libc-ares2,dnsutils,procps,systemd-resolved,dnsmasq-base"
# One cached tree per package list, so that checkouts with different lists never rebuild (and
# replace) a tree that another one's container is running on.
VPCDNS_TEST_ROOTFS="${VPCDNS_TEST_ROOTFS:-/var/cache/vpcdns-test/rootfs-$(printf '%s' "$HOST_PACKAGES" | md5sum | cut -c1-8)}"
HOST_PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

host_log() { echo "test-host: $*" >&2; }

# Installs debootstrap / systemd-nspawn when missing.
host_require_tools() {
  local missing=()
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v systemd-nspawn >/dev/null || missing+=(systemd-container)
  [ ${#missing[@]} -eq 0 ] && return 0
  host_log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  }
}

# The Debian mirror apt uses here for bookworm (deb822 .sources or one-line .list files).
host_mirror() {
  if [ -n "${VPCDNS_TEST_MIRROR:-}" ]; then echo "$VPCDNS_TEST_MIRROR"; return; fi
  local mirror=""
  local file
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    # Paragraphs: the first whose Suites has "bookworm" itself and whose URIs is a Debian archive.
    mirror="$(awk -v RS= '
      /(^|\n)Suites:[^\n]*[ \t]bookworm([ \t]|\n|$)/ {
        if (match($0, /(^|\n)URIs:[ \t]*[^ \t\n]+/)) {
          line = substr($0, RSTART, RLENGTH); sub(/.*URIs:[ \t]*/, "", line); print line; exit
        }
      }' "$file")"
    [ -n "$mirror" ] && break
  done
  if [ -z "$mirror" ]; then
    mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i+1) == "bookworm") { print $i; exit } }')"
  fi
  echo "${mirror:-http://deb.debian.org/debian}"
}

# Builds the cached root file system unless it is there and complete.
host_rootfs_build() {
  local root="$VPCDNS_TEST_ROOTFS"
  local marker="$root/.vpcdns-test-rootfs"
  if [ -f "$marker" ] && [ "$(cat "$marker")" = "$HOST_PACKAGES" ]; then
    return 0
  fi
  host_require_tools || return 1
  mkdir -p "$(dirname "$root")"
  (
    # One builder at a time; a second caller waits and then finds it built.
    flock 9
    if [ -f "$marker" ] && [ "$(cat "$marker")" = "$HOST_PACKAGES" ]; then exit 0; fi
    local mirror building="$root.building"
    mirror="$(host_mirror)"
    host_log "building $root from $mirror (about a minute)"
    rm -rf "$building"
    if ! debootstrap --variant=minbase --include="$HOST_PACKAGES" bookworm "$building" "$mirror" \
        >"$root.debootstrap.log" 2>&1; then
      host_log "debootstrap failed, see $root.debootstrap.log"
      tail -n 20 "$root.debootstrap.log" >&2
      exit 1
    fi
    # Each boot gets a fresh machine id; nothing on the host refers to this tree by name.
    : >"$building/etc/machine-id"
    echo vpcdns-test >"$building/etc/hostname"
    # No getty on a console nobody reads.
    rm -f "$building/etc/systemd/system/getty.target.wants/"*
    apt-get -o RootDir="$building" clean >/dev/null 2>&1 || true
    echo "$HOST_PACKAGES" >"$building/.vpcdns-test-rootfs"
    rm -rf "$root"
    mv "$building" "$root"
    host_log "built $root"
  ) 9>"$root.lock"
}

# Loads the state of a booted host from HOST_STATE_DIR.
host_load_state() {
  local dir="${1:-${HOST_STATE_DIR:-}}"
  if [ -z "$dir" ] || [ ! -f "$dir/nspawn.pid" ]; then
    host_log "no booted host (HOST_STATE_DIR=${dir:-unset})"
    return 1
  fi
  HOST_STATE_DIR="$dir"
  HOST_NSPAWN_PID="$(cat "$dir/nspawn.pid")"
  HOST_PID1="$(cat "$dir/pid1" 2>/dev/null || true)"
}

# PID (in our namespace) of the container's init: the descendant of systemd-nspawn that is PID 1
# in its own PID namespace.
host_find_pid1() {
  local nspawn_pid="$1" status pid parent key value
  local -a nspid
  for status in /proc/[0-9]*/status; do
    nspid=()
    parent=""
    while read -r key value; do
      case "$key" in
        PPid:) parent="$value" ;;
        NSpid:) read -r -a nspid <<<"$value" ;;
      esac
    done 2>/dev/null <"$status" || continue
    # PID 1 in a namespace below ours, once nspawn's child has become systemd.
    [ ${#nspid[@]} -ge 2 ] && [ "${nspid[-1]}" = "1" ] || continue
    pid="${status#/proc/}"; pid="${pid%/status}"
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "systemd" ] || continue
    # A descendant of our nspawn (not of another test's).
    while [ -n "$parent" ] && [ "$parent" -gt 1 ]; do
      if [ "$parent" = "$nspawn_pid" ]; then echo "$pid"; return 0; fi
      parent="$(awk '/^PPid:/ { print $2 }' "/proc/$parent/status" 2>/dev/null)"
    done
  done
  return 1
}

# Boots the container; returns when systemd in it is up. Sets HOST_NSPAWN_PID, HOST_PID1,
# HOST_STATE_DIR (and writes them there).
host_boot() {
  if [ "$(id -u)" -ne 0 ]; then host_log "needs root"; return 1; fi
  host_rootfs_build || return 1
  host_require_tools || return 1
  if [ -z "${HOST_STATE_DIR:-}" ]; then
    HOST_STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/vpcdns-test-host.XXXXXX")"
    HOST_STATE_DIR_OWNED=1
  fi
  mkdir -p "$HOST_STATE_DIR" /run/systemd/nspawn
  local log="$HOST_STATE_DIR/console.log"
  local machine="vpcdns-test-$$-$RANDOM"
  # A private mount namespace with its own /run/systemd/nspawn, so that nothing nspawn sets up
  # is left on the host. setsid: the container outlives the shell that booted it when asked to
  # (test-host.sh boot), and terminal signals do not reach it.
  # shellcheck disable=SC2086
  setsid unshare --mount --propagation private -- sh -c '
      mount -t tmpfs -o mode=0755 tmpfs /run/systemd/nspawn && exec "$@"' sh \
    systemd-nspawn --quiet --directory="$VPCDNS_TEST_ROOTFS" --volatile=overlay \
      --machine="$machine" --boot --private-network --register=no --keep-unit \
      --console=read-only ${HOST_NSPAWN_ARGS:-} \
    </dev/null >"$log" 2>&1 &
  HOST_NSPAWN_PID=$!
  echo "$HOST_NSPAWN_PID" >"$HOST_STATE_DIR/nspawn.pid"

  local deadline=$((SECONDS + HOST_BOOT_TIMEOUT))
  HOST_PID1=""
  while [ -z "$HOST_PID1" ]; do
    if ! kill -0 "$HOST_NSPAWN_PID" 2>/dev/null; then
      host_log "systemd-nspawn exited during boot; console:"; tail -n 30 "$log" >&2
      rm -f "$HOST_STATE_DIR/nspawn.pid"
      return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      host_log "container init did not appear within ${HOST_BOOT_TIMEOUT}s"; host_stop; return 1
    fi
    HOST_PID1="$(host_find_pid1 "$HOST_NSPAWN_PID" || true)"
    [ -n "$HOST_PID1" ] || sleep 0.1
  done
  echo "$HOST_PID1" >"$HOST_STATE_DIR/pid1"

  # Wait for systemd to finish start-up; "degraded" (a unit failed) is reported but is up.
  # systemctl cannot connect in the first moments: retry until it answers.
  local state=""
  while [ $SECONDS -lt $deadline ]; do
    state="$(timeout "$((deadline - SECONDS > 1 ? deadline - SECONDS : 1))" nsenter -t "$HOST_PID1" -a \
      env -i PATH="$HOST_PATH" systemctl is-system-running --wait 2>/dev/null || true)"
    case "$state" in initializing | starting | "") sleep 0.2 ;; *) break ;; esac
  done
  case "$state" in
    running) ;;
    degraded)
      host_log "container is degraded; failed units:"
      host_exec systemctl --failed --no-legend --plain >&2 || true ;;
    *)
      host_log "container did not come up (state: ${state:-none}); console:"
      tail -n 30 "$log" >&2
      host_stop
      return 1 ;;
  esac
  HOST_STATE="$state"
  return 0
}

# Runs a command as root inside the container, with a clean environment; returns its status.
host_exec() {
  if [ -z "${HOST_PID1:-}" ]; then host_load_state || return 1; fi
  nsenter -t "$HOST_PID1" -a env -i PATH="$HOST_PATH" LANG=C.UTF-8 "$@"
}

# Shuts the container down: SIGTERM to nspawn makes it ask init for a clean poweroff
# (SIGRTMIN+3); after HOST_STOP_TIMEOUT seconds init is killed, which ends its PID namespace.
host_stop() {
  if [ -z "${HOST_NSPAWN_PID:-}" ]; then host_load_state || return 1; fi
  local timeout="${HOST_STOP_TIMEOUT:-30}" deadline
  deadline=$((SECONDS + timeout))
  if kill -0 "$HOST_NSPAWN_PID" 2>/dev/null; then
    kill -TERM "$HOST_NSPAWN_PID" 2>/dev/null || true
    while kill -0 "$HOST_NSPAWN_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if kill -0 "$HOST_NSPAWN_PID" 2>/dev/null; then
      host_log "no clean shutdown within ${timeout}s: killing container init $HOST_PID1 and nspawn $HOST_NSPAWN_PID"
      [ -n "${HOST_PID1:-}" ] && kill -KILL "$HOST_PID1" 2>/dev/null
      sleep 1
      kill -KILL "$HOST_NSPAWN_PID" 2>/dev/null || true
    fi
  fi
  # Reap it when it is our child; otherwise it was reaped by whoever started it.
  wait "$HOST_NSPAWN_PID" 2>/dev/null || true
  rm -f "$HOST_STATE_DIR/nspawn.pid" "$HOST_STATE_DIR/pid1"
  HOST_NSPAWN_PID=""
  HOST_PID1=""
}

# Removes the state folder when host_boot made it (keeps one the caller named).
host_cleanup() {
  if [ "${HOST_STATE_DIR_OWNED:-0}" = 1 ] && [ -n "${HOST_STATE_DIR:-}" ]; then
    rm -rf "$HOST_STATE_DIR"
    HOST_STATE_DIR=""
    HOST_STATE_DIR_OWNED=0
  fi
}

# Boots, runs trivial commands, starts a transient unit, stops. Exit 0 when all of it worked.
host_selftest() {
  set -u
  local failures=0
  host_boot || return 1
  echo "state: $HOST_STATE"
  host_exec systemctl --version | head -n 1 || failures=$((failures + 1))
  host_exec sh -c 'cat /proc/1/comm; ip -brief link' || failures=$((failures + 1))
  # A transient service: started by systemd, its output in the journal.
  if host_exec systemd-run --unit=vpcdns-selftest --wait --quiet --collect \
      -p DynamicUser=yes sh -c 'echo selftest-ran-as-$(id -u)'; then
    host_exec journalctl -u vpcdns-selftest --no-pager -o cat | grep -q '^selftest-ran-as-[0-9]' ||
      { echo "transient unit output missing from the journal"; failures=$((failures + 1)); }
  else
    echo "systemd-run failed"; failures=$((failures + 1))
  fi
  host_exec journalctl -u vpcdns-selftest --no-pager -o cat | grep '^selftest-ran-as-[0-9]' || true
  local nspawn_pid="$HOST_NSPAWN_PID" pid1="$HOST_PID1"
  local started=$SECONDS
  host_stop
  if kill -0 "$nspawn_pid" 2>/dev/null || kill -0 "$pid1" 2>/dev/null; then
    echo "container still running after host_stop"; failures=$((failures + 1))
  else
    echo "stopped in $((SECONDS - started))s"
  fi
  grep -q 'Halting system' "$HOST_STATE_DIR/console.log" ||
    { echo "no clean shutdown on the console"; failures=$((failures + 1)); }
  host_cleanup
  if [ "$failures" -eq 0 ]; then echo "test-host selftest: passed"; else echo "test-host selftest: $failures failed"; fi
  [ "$failures" -eq 0 ]
}

# Command line, when run rather than sourced.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  command="${1:-selftest}"
  shift || true
  case "$command" in
    build) host_rootfs_build ;;
    boot)
      HOST_STATE_DIR="${1:?usage: test-host.sh boot STATE_DIR}"
      host_boot
      echo "$HOST_STATE_DIR" ;;
    exec)
      host_load_state "${1:?usage: test-host.sh exec STATE_DIR COMMAND...}"
      shift
      host_exec "$@" ;;
    stop)
      host_load_state "${1:?usage: test-host.sh stop STATE_DIR}"
      host_stop ;;
    selftest) host_selftest ;;
    *) echo "usage: $0 [build | boot DIR | exec DIR CMD... | stop DIR | selftest]" >&2; exit 2 ;;
  esac
fi
