#!/usr/bin/env bash
# build-deb.sh BINARY VERSION ARCH OUTPUT.deb: the vpcdns Debian package, with dpkg-deb.
#   /usr/bin/vpcdns, /usr/lib/systemd/system/vpcdns.{service,socket}   (scripts/packaging/install.sh)
#   /etc/vpcdns/vpcdns.yaml, /etc/vpcdns/zones/*.zone                  conffiles
#   Depends: what dpkg-shlibdeps finds for the binary (glibc, c-ares) and procps (/bin/kill, which
#   the unit's ExecReload= runs)
# Maintainer scripts are in packaging/debian/: they reload systemd but never start the service.
set -euo pipefail
binary="${1:?usage: build-deb.sh BINARY VERSION ARCH OUTPUT}" version="$2" arch="$3" output="$4"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[ -n "$version" ] || { echo "build-deb: no version" >&2; exit 1; }

stage="$(mktemp -d "${TMPDIR:-/tmp}/vpcdns-deb.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
"$repo/scripts/packaging/install.sh" "$binary" "$root" /usr/bin /usr/lib/systemd/system /etc/vpcdns >/dev/null
# Debug symbols are not shipped (the binary shrinks by about half); the Swift backtracer still
# names functions from the symbol table.
strip --strip-debug "$root/usr/bin/vpcdns"
install -d -m 0755 "$root/usr/share/doc/vpcdns"
install -m 0644 "$repo/README.md" "$root/usr/share/doc/vpcdns/README.md"
install -m 0644 "$repo/systemd/README.md" "$root/usr/share/doc/vpcdns/README.systemd.md"

# Shared library dependencies, the Debian way; a fixed list where dpkg-dev is missing.
depends="libc6 (>= 2.34), libc-ares2 (>= 1.13)"
if command -v dpkg-shlibdeps >/dev/null; then
  mkdir -p "$stage/src/debian"
  printf 'Source: vpcdns\n\nPackage: vpcdns\nArchitecture: any\n' >"$stage/src/debian/control"
  if found="$(cd "$stage/src" && dpkg-shlibdeps -O "$root/usr/bin/vpcdns" 2>/dev/null)"; then
    depends="$(sed -n 's/^shlibs:Depends=//p' <<<"$found")"
  fi
fi
depends="$depends, procps"

install -d -m 0755 "$root/DEBIAN"
installed_size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@INSTALLED_SIZE@|$installed_size|" \
    -e "s|@DEPENDS@|$depends|" "$repo/packaging/debian/control.in" >"$root/DEBIAN/control"
(cd "$root" && find etc -type f | sort | sed 's|^|/|') >"$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do
  install -m 0755 "$repo/packaging/debian/$script" "$root/DEBIAN/$script"
done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
  >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

mkdir -p "$(dirname "$output")"
dpkg-deb --root-owner-group -Zxz --build "$root" "$output" >/dev/null
echo "built $output"
dpkg-deb --field "$output" Package Version Architecture Depends
echo "conffiles: $(tr '\n' ' ' <"$root/DEBIAN/conffiles")"
