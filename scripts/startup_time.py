"""How long ``catgan --help`` takes to answer: the console script's overview imports no torch or Lightning.

    python scripts/startup_time.py [--repeats 5] [--out docs/results/cli_startup]

Runs ``python -m catgan.cli --help`` (what the ``catgan`` console script runs) and, for comparison,
``python -c "import lightning.pytorch"`` ``--repeats`` times each in fresh processes, and writes
``<out>/cli_startup_<date>.json`` with every wall time in seconds, the medians, the machine's load average
and the command lines. A busy machine inflates both; compare the two medians of one record.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMANDS = {
    "catgan --help": [sys.executable, "-m", "catgan.cli", "--help"],
    "import lightning.pytorch": [sys.executable, "-c", "import lightning.pytorch"],
}


def wall_seconds(command: list, env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=os.path.join("docs", "results", "cli_startup"))
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": REPO, "OMP_NUM_THREADS": "1"}
    load_before = os.getloadavg()
    seconds = {name: [round(wall_seconds(cmd, env), 3) for _ in range(args.repeats)] for name, cmd in COMMANDS.items()}
    record = {
        "what": "wall time of `catgan --help` (python -m catgan.cli --help) in fresh processes, and of importing "
        "lightning.pytorch for comparison",
        "commands": {name: ["python", *cmd[1:]] for name, cmd in COMMANDS.items()},
        "repeats": args.repeats,
        "seconds": seconds,
        "median_seconds": {name: statistics.median(times) for name, times in seconds.items()},
        "load_average_1_5_15_min_before": [round(x, 2) for x in load_before],
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"cli_startup_{time.strftime('%Y%m%d-%H%M%S')}.json")
    with open(path, "w") as f:
        json.dump(record, f, indent=2)
    print(json.dumps(record["median_seconds"]), "->", os.path.relpath(path))


if __name__ == "__main__":
    main()
