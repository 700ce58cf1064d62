"""A short libFuzzer run of each target (scripts/fuzz.sh): the DNSWire decoder, the zone-file
parser and the config loader must survive FUZZ_CI_SECONDS (default 30) of generated input each
without a trap, sanitizer report or hang. `make fuzz` runs them for 10 minutes each."""

import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SECONDS = int(os.environ.get("FUZZ_CI_SECONDS", "30"))


@pytest.mark.parametrize("target", ["decode", "zone", "config"])
def test_fuzz_target_survives_a_short_run(target):
    result = subprocess.run(["nice", "-n", "19", str(REPO / "scripts" / "fuzz.sh"), str(SECONDS), target], cwd=REPO,
                            capture_output=True, text=True, timeout=1800, stdin=subprocess.DEVNULL)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"fuzz target {target} failed (input in Fuzz/crash-{target}-*):\n{output[-6000:]}"
    runs = re.search(r"stat::number_of_executed_units: (\d+)", output)
    assert runs and int(runs.group(1)) > 0, output[-3000:]
