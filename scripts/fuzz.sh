#!/usr/bin/env bash
# Builds the DNSWire decoder fuzzer with libFuzzer + AddressSanitizer and runs it.
# Usage: scripts/fuzz.sh [seconds]   (default 600). Crashes are written to Fuzz/crash-*.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
binary=Fuzz/vpcdns-fuzz-decode
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
# IPAddress is its own module (DNSWire imports it); the fuzz entry point joins the DNSWire module.
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name IPAddress -emit-module \
  -emit-module-path "$build/IPAddress.swiftmodule" -emit-library -static -o "$build/libIPAddress.a" \
  Sources/IPAddress/*.swift
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name DNSWire -I "$build" -L "$build" -lIPAddress \
  Sources/DNSWire/*.swift Fuzz/DecodeMessage.swift -o "$binary"
mkdir -p Fuzz/corpus-work
# Seeds: the golden packets used by the unit tests.
for hex in Tests/DNSWireTests/Fixtures/*.hex; do
  xxd -r -p "$hex" > "Fuzz/corpus-work/seed-$(basename "$hex" .hex)"
done
SWIFT_BACKTRACE=enable=no "$binary" -max_total_time="$seconds" -max_len=4096 \
  -artifact_prefix=Fuzz/ -print_final_stats=1 Fuzz/corpus-work Fuzz/seed-corpus
