#!/usr/bin/env bash
# Checks systemd/vpcdns.service and systemd/vpcdns.socket with systemd's own tools:
#   1. `systemd-analyze verify`: any output on stderr is a failure, since verify exits 0 on
#      unknown keys and bad values and only warns.
#   2. `systemd-analyze security --offline=yes`: exposure 2.0 ("OK") or lower for the service.
# The units are checked inside a scratch root (--root) that holds them, systemd's own units and a
# stand-in /usr/bin/vpcdns, so that no file is installed on this machine and no vpcdns build is
# needed (verify only checks that ExecStart= names an executable). Man pages are not checked
# (--man=no): the units document with the README the package installs, not a man page.
# Exit status: 0 when every check passes. Needs: systemd-analyze (systemd 252 or later).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
units_dir="${UNITS_DIR:-$here/../../systemd}"
threshold="${SECURITY_THRESHOLD:-20}"   # on systemd's 0-100 scale: 20 is the 2.0 it prints
units=(vpcdns.service vpcdns.socket)

command -v systemd-analyze >/dev/null || { echo "verify-units: systemd-analyze not found" >&2; exit 2; }

root="$(mktemp -d "${TMPDIR:-/tmp}/vpcdns-verify.XXXXXX")"
trap 'rm -rf "$root"' EXIT

# Targets and other units the vpcdns units refer to, from this machine's systemd.
mkdir -p "$root/usr/lib/systemd" "$root/usr/bin" "$root/bin" "$root/etc/systemd/system"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
for unit in "${units[@]}"; do
  install -m 0644 "$units_dir/$unit" "$root/usr/lib/systemd/system/$unit"
done
# Stand-ins for the executables the units run.
printf '#!/bin/sh\nexit 0\n' >"$root/usr/bin/vpcdns"
chmod 0755 "$root/usr/bin/vpcdns"
cp /bin/kill "$root/bin/kill"

failed=0

echo "== systemd-analyze verify ${units[*]}"
errors="$root/verify.stderr"
if ! systemd-analyze verify --man=no --root="$root" "${units[@]}" 2>"$errors" >/dev/null; then
  echo "FAIL: systemd-analyze verify exited non-zero" >&2
  failed=1
fi
if [ -s "$errors" ]; then
  echo "FAIL: systemd-analyze verify reported:" >&2
  sed 's/^/  /' "$errors" >&2
  failed=1
fi
[ "$failed" -eq 0 ] && echo "ok: no warnings"

echo "== systemd-analyze security --offline=yes --threshold=$threshold vpcdns.service"
report="$root/security.out"
if systemd-analyze security --offline=yes --threshold="$threshold" --no-pager \
    "$units_dir/vpcdns.service" >"$report" 2>"$errors"; then
  security_ok=1
else
  security_ok=0
fi
tail -n 1 "$report"
if [ "$security_ok" -ne 1 ]; then
  echo "FAIL: exposure above $threshold/100; the options that cost most:" >&2
  grep '✗' "$report" | awk '{ print $NF "\t" $0 }' | sort -rn | cut -f2- | sed 's/^/  /' >&2 || true
  failed=1
fi
if [ -s "$errors" ]; then
  echo "FAIL: systemd-analyze security reported:" >&2
  sed 's/^/  /' "$errors" >&2
  failed=1
fi

if [ "$failed" -eq 0 ]; then
  echo "verify-units: all checks passed"
else
  echo "verify-units: FAILED" >&2
fi
exit "$failed"
