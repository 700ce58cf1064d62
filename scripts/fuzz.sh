#!/usr/bin/env bash
# Builds the libFuzzer targets (with AddressSanitizer) and runs each for the given time.
# Usage: scripts/fuzz.sh [seconds] [target...]   (default 600 s; targets: decode zone config, default all)
#   decode  DNSWire message decoder (decode -> encode -> decode round trip)
#   zone    zone-file parser (accepted zones encode and read back from their own text)
#   config  config loader (YAML, keys, values; never a trap or hang)
# Exits non-zero when a target crashes; the input is written to Fuzz/crash-*.
# FUZZ_JOBS / FUZZ_FLAGS pass extra libFuzzer options (e.g. FUZZ_FLAGS=-runs=1000).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(decode zone config)
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
flags=(-O -sanitize=fuzzer,address -parse-as-library)

# A library module: name, then its sources.
library() {
  local name=$1
  shift
  swiftc "${flags[@]}" -module-name "$name" -I "$build" -L "$build" "${extra[@]}" -emit-module \
    -emit-module-path "$build/$name.swiftmodule" -emit-library -static -o "$build/lib$name.a" "$@"
}
extra=()
library Platform Sources/Platform/*.swift
library IPAddress Sources/IPAddress/*.swift
library RegularFiles Sources/RegularFiles/*.swift

for target in "${targets[@]}"; do
  binary=Fuzz/vpcdns-fuzz-$target
  corpus=Fuzz/corpus-work/$target
  mkdir -p "$corpus"
  extra=()
  case $target in
    decode)
      # The entry point joins the DNSWire module.
      swiftc "${flags[@]}" -module-name DNSWire -I "$build" -L "$build" -lIPAddress -lPlatform \
        Sources/DNSWire/*.swift Fuzz/DecodeMessage.swift -o "$binary"
      # Seeds: the golden packets used by the unit tests.
      for hex in Tests/DNSWireTests/Fixtures/*.hex; do
        xxd -r -p "$hex" > "$corpus/seed-$(basename "$hex" .hex)"
      done
      seeds=(Fuzz/seed-corpus)
      max_len=4096
      ;;
    zone)
      [ -f "$build/libDNSWire.a" ] || library DNSWire Sources/DNSWire/*.swift
      swiftc "${flags[@]}" -module-name DNSZone -I "$build" -L "$build" -lDNSWire -lIPAddress -lRegularFiles -lPlatform \
        Sources/DNSZone/*.swift Fuzz/ParseZone.swift -o "$binary"
      cp Config/zones/*.zone Tests/DNSZoneTests/Fixtures/crosscheck/valid/*.zone "$corpus/"
      seeds=()
      max_len=16384
      ;;
    config)
      # Yams and its libyaml (CYaml), from the package checkout.
      [ -d .build/checkouts/Yams ] || swift package resolve
      yams=.build/checkouts/Yams/Sources
      if [ ! -f "$build/libCYaml.a" ]; then
        for source in "$yams"/CYaml/src/*.c; do
          clang -O1 -fsanitize=fuzzer-no-link,address -DYAML_DECLARE_STATIC -I "$yams/CYaml/include" \
            -c "$source" -o "$build/$(basename "$source" .c).o"
        done
        ar rcs "$build/libCYaml.a" "$build"/*.o
        extra=(-D SWIFT_PACKAGE -Xcc -fmodule-map-file="$yams/CYaml/include/module.modulemap" -Xcc -DYAML_DECLARE_STATIC)
        library Yams "$yams"/Yams/*.swift
      fi
      extra=(-Xcc -fmodule-map-file="$yams/CYaml/include/module.modulemap" -Xcc -DYAML_DECLARE_STATIC)
      swiftc "${flags[@]}" -module-name VPCConfig -I "$build" -L "$build" "${extra[@]}" \
        -lYams -lCYaml -lIPAddress -lRegularFiles -lPlatform Sources/VPCConfig/*.swift Fuzz/LoadConfig.swift -o "$binary"
      cp Config/vpcdns.yaml "$corpus/seed-vpcdns.yaml"
      seeds=()
      max_len=16384
      ;;
    *)
      echo "unknown fuzz target '$target' (decode, zone, config)" >&2
      exit 2
      ;;
  esac
  echo "== fuzzing $target for ${seconds}s"
  # shellcheck disable=SC2086
  SWIFT_BACKTRACE=enable=no "$binary" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
    -artifact_prefix="Fuzz/crash-$target-" -print_final_stats=1 ${FUZZ_FLAGS:-} "$corpus" "${seeds[@]}"
done
