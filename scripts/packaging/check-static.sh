#!/usr/bin/env bash
# check-static.sh BINARY: fails unless the binary's shared libraries are glibc's and c-ares only,
# i.e. it runs on a Debian host that has neither the Swift toolchain nor its runtime.
set -euo pipefail
binary="${1:?usage: check-static.sh BINARY}"
allowed='^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|libresolv\.so\.2|libutil\.so\.1|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1|libcares\.so\.2)$'
# NEEDED entries (what the binary asks for) and ldd's view (what it gets here).
if command -v objdump >/dev/null; then
  needed="$(objdump -p "$binary" | awk '$1 == "NEEDED" { print $2 }')"
else
  needed="$(ldd "$binary" | awk '{ print $1 }')"
fi
[ -n "$needed" ] || { echo "check-static: no shared libraries found in $binary" >&2; exit 1; }
bad="$(grep -Ev "$allowed" <<<"$needed" || true)"
if [ -n "$bad" ]; then
  echo "check-static: $binary needs more than glibc and c-ares:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "check-static: $binary needs only: $(tr '\n' ' ' <<<"$needed")"
