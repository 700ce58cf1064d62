#!/usr/bin/env python3
"""Zone loading cost: `vpcdns check` next to `named-checkzone` on the same generated zone.

Generates a zone of N records (A, AAAA, TXT, MX, CNAME, SRV in a realistic mix), a config that
serves it as a private zone, and times `vpcdns check --config` and `named-checkzone -i local`
(the same checks vpcdns makes). Prints wall time, CPU time and peak RSS for each, and the ratios.
A benchmark, not a test: it never judges the figures. Run a release build:

    swift build -c release
    bench/zoneload.py --bin .build/release/vpcdns --records 100000 1000000
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def write_zone(path: Path, origin: str, records: int):
    with open(path, "w") as out:
        out.write(f"$ORIGIN {origin}.\n$TTL 300\n")
        out.write("@ IN SOA ns1 hostmaster 1 7200 900 1209600 60\n@ IN NS ns1\nns1 IN A 10.0.0.1\n")
        for index in range(records):
            host = f"host-{index}"
            kind = index % 10
            if kind < 5:
                out.write(f"{host} IN A 10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}\n")
            elif kind < 7:
                out.write(f"{host} IN AAAA fd00::{index >> 16 & 0xffff:x}:{index & 0xffff:x}\n")
            elif kind == 7:
                out.write(f'{host} IN TXT "v=spf1 ip4:10.0.0.0/8 -all" "owner={index}"\n')
            elif kind == 8:
                out.write(f"{host} IN MX 10 mail-{index % 100}\n")
            else:
                out.write(f"{host} IN CNAME host-{index - 1}\n")


def write_config(directory: Path, zone: Path):
    config = directory / "vpcdns.yaml"
    config.write_text(f"""\
listen: ["127.0.0.1:5399"]
upstreams: ["127.0.0.1:9"]
vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: us-east-1
    cidrs: ["10.0.0.0/16"]
    zones:
      - {zone.name}
""")
    return config


def measure(command):
    """(wall seconds, CPU seconds, peak RSS in MiB) of one run; fails if the command does."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed:\n{stderr[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def best(command, repeat):
    runs = [measure(command) for _ in range(repeat)]
    return min(run[0] for run in runs), min(run[1] for run in runs), max(run[2] for run in runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", default=str(REPO / ".build" / "release" / "vpcdns"))
    parser.add_argument("--records", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool and size; the best time is shown")
    parser.add_argument("--keep", action="store_true", help="keep the generated zones")
    options = parser.parse_args()
    if not shutil.which("named-checkzone"):
        sys.exit("named-checkzone is missing (apt-get install bind9-utils)")
    work = Path(tempfile.mkdtemp(prefix="vpcdns-zoneload-"))
    origin = "zoneload.internal"
    print(f"{'records':>9} {'tool':<16} {'wall s':>8} {'cpu s':>8} {'peak RSS MiB':>13} {'B/record':>9}")
    try:
        for records in options.records:
            zone = work / f"{origin}.zone"
            write_zone(zone, origin, records)
            config = write_config(work, zone)
            ours = best([options.bin, "check", "--config", str(config)], options.repeat)
            bind = best(["named-checkzone", "-q", "-i", "local", origin, str(zone)], options.repeat)
            for name, (wall, cpu, rss) in (("vpcdns check", ours), ("named-checkzone", bind)):
                print(f"{records:>9} {name:<16} {wall:>8.2f} {cpu:>8.2f} {rss:>13.1f} {rss * 1048576 / records:>9.0f}")
            print(f"{records:>9} {'ratio':<16} {ours[0] / bind[0]:>8.2f} {ours[1] / bind[1]:>8.2f} {ours[2] / bind[2]:>13.2f}")
    finally:
        if not options.keep:
            shutil.rmtree(work)


if __name__ == "__main__":
    main()
