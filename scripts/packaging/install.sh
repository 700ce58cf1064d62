#!/usr/bin/env bash
# install.sh BINARY DESTDIR BINDIR UNITDIR CONFDIR: what `make install` does.
#   BINDIR/vpcdns                      the release binary
#   UNITDIR/vpcdns.{service,socket}    the units, naming BINDIR/vpcdns
#   CONFDIR/vpcdns.yaml                the host config (scripts/packaging/host-config.sh); an
#                                      existing one is kept and the new one written as .dist
#   CONFDIR/zones/*.zone               the example private zone
# Every path is prefixed with DESTDIR (staging, e.g. for the .deb).
set -euo pipefail
binary="$1" destdir="$2" bindir="$3" unitdir="$4" confdir="$5"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

install -d -m 0755 "$destdir$bindir" "$destdir$unitdir" "$destdir$confdir" "$destdir$confdir/zones"
install -m 0755 "$binary" "$destdir$bindir/vpcdns"
for unit in vpcdns.service vpcdns.socket; do
  # The units name /usr/bin/vpcdns; another PREFIX gets its own path.
  sed "s|/usr/bin/vpcdns|$bindir/vpcdns|g" "$repo/systemd/$unit" >"$destdir$unitdir/$unit.tmp"
  chmod 0644 "$destdir$unitdir/$unit.tmp"
  mv "$destdir$unitdir/$unit.tmp" "$destdir$unitdir/$unit"
done

# Config files: never overwrite what an administrator may have edited.
install_config() { # install_config SOURCE_FILE DEST
  if [ -e "$2" ] && ! cmp -s "$1" "$2"; then
    install -m 0644 "$1" "$2.dist"
    echo "install: kept $2, wrote the new default as $2.dist"
  else
    install -m 0644 "$1" "$2"
  fi
}
config="$(mktemp)"
trap 'rm -f "$config"' EXIT
"$repo/scripts/packaging/host-config.sh" >"$config"
install_config "$config" "$destdir$confdir/vpcdns.yaml"
for zone in "$repo"/Config/zones/*.zone; do
  install_config "$zone" "$destdir$confdir/zones/$(basename "$zone")"
done
echo "installed $destdir$bindir/vpcdns, $destdir$unitdir/vpcdns.{service,socket}, $destdir$confdir/"
