#!/usr/bin/env bash
# Installs what vpcdns needs, only what is missing.
#   scripts/install-deps.sh build   building and running: c-ares, pkg-config, the static libstdc++
#   scripts/install-deps.sh test    also everything the tests and benchmarks use
set -euo pipefail
mode=${1:-test}

# libstdc++-12-dev: libstdc++.a, linked into the release binary; binutils: objdump, which
# checks that binary needs nothing but glibc and c-ares.
apt_packages=(libc-ares-dev pkg-config libstdc++-12-dev binutils)
if [ "$mode" = test ]; then
  # dig, named-checkzone (zone cross-check), dnsperf and unbound (benchmark, test upstreams),
  # iproute2 (network-namespace VPC test), systemd-container and debootstrap (systemd test hosts),
  # dpkg-dev (dpkg-shlibdeps for the .deb).
  apt_packages+=(dnsutils bind9-utils dnsperf unbound iproute2 systemd-container debootstrap dpkg-dev)
fi

missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "installing: ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "$mode" = test ]; then
  python3 -c 'import dns, pytest' 2>/dev/null || python3 -m pip install -q dnspython pytest
  # Tests/integration/test_vpc_namespaces.py runs moto's server and the AWS CLI with this python3.
  python3 -c 'import moto.server, awscli' 2>/dev/null || python3 -m pip install -q "moto[server]" awscli
fi
exit 0
