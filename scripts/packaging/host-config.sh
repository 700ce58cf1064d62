#!/usr/bin/env bash
# host-config.sh: prints the /etc/vpcdns/vpcdns.yaml that `make install` and the .deb install:
# the reference config (Config/vpcdns.yaml, every key documented) with its listeners moved from
# the development port 5353 to 127.0.0.1:53. 127.0.0.1:53 is free on Debian hosts where
# systemd-resolved runs: its stub listener holds 127.0.0.53:53 and 127.0.0.54:53 only.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
reference="$repo/Config/vpcdns.yaml"
out="$(sed -e 's|listen: \["127.0.0.1:5353", "\[::1\]:5353"\]|listen: ["127.0.0.1:53"]|' \
           -e 's|`dig @127.0.0.1 -p 5353 |`dig @127.0.0.1 |' "$reference")"
# The reference changed shape: fail rather than install a config that still says 5353.
if grep -Eq '^[[:space:]]*listen:.*5353|dig @127.0.0.1 -p 5353' <<<"$out" || [ "$(grep -c 'listen: \["127.0.0.1:53"\]' <<<"$out")" -ne 2 ]; then
  echo "host-config.sh: $reference no longer has the two listen lines this script rewrites" >&2
  exit 1
fi
cat <<'HEADER'
# /etc/vpcdns/vpcdns.yaml, as installed: the reference config with the example VPC, serving on
# 127.0.0.1:53 (UDP and TCP) next to systemd-resolved (which holds 127.0.0.53:53 only).
# Start it with `systemctl enable --now vpcdns`; after an edit, `vpcdns check` then
# `systemctl reload vpcdns`. Ways to put it in front of the host's own lookups (resolved's stub
# off, or resolved forwarding to vpcdns) are in the README, "Running under systemd".
# Note: with upstreams "resolv.conf", names vpcdns does not answer go to the servers in
# /etc/resolv.conf; if /etc/resolv.conf points at vpcdns itself (or at a resolved that forwards
# to vpcdns), name real upstream addresses here instead, or queries would loop.
#
HEADER
echo "$out"
