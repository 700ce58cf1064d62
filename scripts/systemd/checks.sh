# Check helpers shared by the test-*-in-host.sh scripts (sourced after test-host.sh): counters,
# assertions, and systemd and journal queries run inside the test host. The sourcing script
# prints "$passed passed, $failed failed" at the end.

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() { local what="$1"; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
not() { ! "$@"; }
# contains TEXT PATTERN
contains() { grep -q -- "$2" <<<"$1"; }
# prop UNIT PROPERTY: a property of a unit in the test host.
prop() { host_exec systemctl show -p "$2" --value "$1"; }
# wait_for SECONDS COMMAND...: waits up to SECONDS for the command to succeed.
wait_for() {
  local seconds="$1"; shift
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.2
  done
}
