#!/usr/bin/env bash
# Installs what vpcdns needs to build and test, only when something is missing.
set -euo pipefail
# systemd-container, debootstrap: the systemd test hosts (scripts/systemd/test-host.sh); dpkg-dev:
# dpkg-shlibdeps for the .deb's Depends; binutils: objdump for the static-binary check;
# libstdc++-12-dev: libstdc++.a, linked into the release binary.
apt_packages=(libc-ares-dev pkg-config dnsutils bind9-utils dnsperf unbound iproute2
  systemd-container debootstrap dpkg-dev binutils libstdc++-12-dev)
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
python3 -c 'import dns, pytest' 2>/dev/null || python3 -m pip install -q dnspython pytest
# Tests/integration/test_vpc_namespaces.py runs moto's server and the AWS CLI with this python3.
python3 -c 'import moto.server, awscli' 2>/dev/null || python3 -m pip install -q "moto[server]" awscli
