"""Compare CatGAN, Improved-GAN and the supervised baseline on the same data, labels and seeds.

Each run goes through the in-process ``catgan`` CLI with each method's own config for the data
(``CONFIGS``: digits_{catgan,improved_gan,supervised}.yaml; on MNIST the PI-MNIST configs
mnist_pi_catgan_100.yaml, mnist_pi_improved_gan_100.yaml and mnist_pi_100_supervised.yaml), with the seed
set in both ``seed_everything`` and ``data.init_args.seed`` (so every method sees the same labeled subset
for a seed), then the test split is evaluated with the final weights. Each run records its learning
curve (test error after every epoch, ``catgan.curves.LearningCurve``) and from it the training time to
reach each of ``--targets`` (default 5 % and 2 % test error). One JSON record per run (``catgan.runs``, plus the
method, data and hours to each target) is written to ``--out``;
one table (test error mean ± std over seeds, wall time per run, hours to each target) is printed.

    python scripts/compare.py --data digits --seeds 0 1 2
    python scripts/compare.py --data digits --seeds 0 --epochs 5
    python scripts/compare.py --data mnist --num-labeled 100 --seeds 0 1 2 --data-dir data

MNIST is read offline: put the four files ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz`` in ``<data-dir>/MNIST/raw/``; torchvision
verifies and extracts them. Extra arguments after ``--`` go to every run's CLI unchanged (for example
``-- --trainer.accelerator gpu``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from typing import Dict, List, Optional, Sequence
from unittest import mock

from catgan.runs import run_config, write_record

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METHODS = {"catgan": "CatGAN", "improved_gan": "ImprovedGAN", "supervised": "Supervised"}
MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


CONFIGS = {
    ("digits", "catgan"): "digits_catgan.yaml",
    ("digits", "improved_gan"): "digits_improved_gan.yaml",
    ("digits", "supervised"): "digits_supervised.yaml",
    ("mnist", "catgan"): "mnist_pi_catgan_100.yaml",
    ("mnist", "improved_gan"): "mnist_pi_improved_gan_100.yaml",
    ("mnist", "supervised"): "mnist_pi_100_supervised.yaml",
}


def config_path(data: str, method: str) -> str:
    return os.path.join(REPO, "configs", CONFIGS[(data, method)])


def hours_to(curve: List[Dict[str, float]], target_percent: float) -> Optional[float]:
    """Training wall time (h) at the end of the first epoch whose test error is <= ``target_percent``, or
    None if no epoch of ``curve`` (LearningCurve rows) got there."""
    for row in curve:
        if "test/acc" in row and round(100.0 * (1.0 - row["test/acc"]), 6) <= target_percent:  # float32 accuracies
            return round(row["seconds"] / 3600.0, 3)
    return None


def check_mnist_files(data_dir: str) -> None:
    """Raise before any training if the MNIST files are not under ``<data_dir>/MNIST/raw``."""
    raw = os.path.join(data_dir, "MNIST", "raw")
    missing = [
        name + ".gz"
        for name in MNIST_FILES
        if not (os.path.exists(os.path.join(raw, name)) or os.path.exists(os.path.join(raw, name + ".gz")))
    ]
    if missing:
        raise FileNotFoundError(
            f"MNIST files missing under {os.path.abspath(raw)}: {', '.join(missing)}. Copy the "
            f"four MNIST .gz files there, or point --data-dir at the folder that holds MNIST/raw."
        )


def run_overrides(data: str, num_labeled: Optional[int], epochs: Optional[int], data_dir: str) -> List[str]:
    """The CLI arguments every method's run gets on top of its config (before the user's own after ``--``)."""
    args = []
    if num_labeled is not None:
        args += ["--data.init_args.num_labeled", str(num_labeled)]
    if epochs is not None:
        args += ["--trainer.max_epochs", str(epochs)]
    if data == "mnist":
        args += ["--data.init_args.data_dir", data_dir, "--data.init_args.download", "true"]
    return args


def run_method(
    data: str,
    method: str,
    seed: int,
    num_labeled: Optional[int],
    epochs: Optional[int],
    data_dir: str,
    extra: List[str],
    out_dir: str,
    targets: Sequence[float] = (5.0, 2.0),
) -> Dict[str, object]:
    """Fit and test one method with one seed (``catgan.runs.run_config``, with its learning curve); write and
    return its record, with the method, the data and the hours to each target test error added."""
    overrides = run_overrides(data, num_labeled, epochs, data_dir) + extra
    with mock.patch.object(sys, "argv", sys.argv[:1]):  # the CLI reads only its arguments, not this script's argv
        record = run_config(config_path(data, method), seed, overrides, metric="test/acc", curve=True)
    if "test/acc" not in record["metrics"]:
        raise RuntimeError(f"{method} seed {seed}: no test/acc after fit (was --test_after_fit turned off?).")
    record = {
        "method": METHODS[method],
        "data": data,
        "num_labeled": record["resolved_config"]["data"]["init_args"]["num_labeled"],
        "max_epochs": record["resolved_config"]["trainer"]["max_epochs"],
        **record,
        "hours_to_test_error": {f"{t:g}": hours_to(record["curve"], t) for t in targets},
    }
    name = f"{data}_{method}_labels{record['num_labeled']}_seed{seed}.json"
    write_record(record, out_dir, name)
    return record


def summary_table(records: List[Dict[str, object]]) -> str:
    """One row per method: runs, test error % mean ± std over seeds (sample std), wall time per run and, per
    target error, the mean hours to reach it (with how many runs did; "-" when none did)."""
    targets = list(records[0].get("hours_to_test_error", {})) if records else []
    header = f"{'method':<12} {'runs':>4}  {'test error %':>16}  {'wall s/run':>10}"
    lines = [header + "".join(f"  {'h to ' + t + ' %':>13}" for t in targets)]
    for method in METHODS.values():
        rows = [r for r in records if r["method"] == method]
        if not rows:
            continue
        errors = [100.0 * r["error"] for r in rows]
        spread = f"{statistics.stdev(errors):5.2f}" if len(errors) > 1 else "  n/a"
        wall = statistics.mean(r["total_seconds"] for r in rows)
        line = f"{method:<12} {len(rows):>4}  {statistics.mean(errors):8.2f} ± {spread}  {wall:10.1f}"
        for t in targets:
            reached = [r["hours_to_test_error"][t] for r in rows if r["hours_to_test_error"].get(t) is not None]
            cell = f"{statistics.mean(reached):.2f} ({len(reached)}/{len(rows)})" if reached else "-"
            line += f"  {cell:>13}"
        lines.append(line)
    return "\n".join(lines)


def parse_args(argv: List[str]) -> argparse.Namespace:
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", choices=["digits", "mnist"], default="digits")
    parser.add_argument(
        "--num-labeled",
        type=int,
        default=None,
        help="labeled examples, a multiple of 10 (default: the configs' 50 for digits, 100 for mnist)",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=None, help="max_epochs for every run (default: the configs')")
    parser.add_argument("--methods", nargs="+", choices=list(METHODS), default=list(METHODS))
    parser.add_argument("--data-dir", default="data", help="MNIST only: the folder holding MNIST/raw")
    parser.add_argument("--out", default="results/compare", help="folder for one JSON per run")
    parser.add_argument(
        "--targets", type=float, nargs="+", default=[5.0, 2.0], help="test errors (%%) whose time to reach is reported"
    )
    args = parser.parse_args(argv)
    args.extra = extra
    if args.num_labeled is not None and (args.num_labeled <= 0 or args.num_labeled % 10):
        parser.error(f"--num-labeled must be a positive multiple of the 10 classes, got {args.num_labeled}.")
    if args.epochs is not None and args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}.")
    if args.data == "mnist":
        try:
            check_mnist_files(args.data_dir)
        except FileNotFoundError as error:
            parser.error(str(error))
    return args


def main(argv: Optional[List[str]] = None) -> List[Dict[str, object]]:
    args = parse_args(sys.argv[1:] if argv is None else list(argv))
    records = []
    for seed in args.seeds:
        for method in args.methods:
            record = run_method(
                args.data,
                method,
                seed,
                args.num_labeled,
                args.epochs,
                args.data_dir,
                args.extra,
                args.out,
                args.targets,
            )
            records.append(record)
            print(
                f"compare: {record['method']} seed {seed}: test error {100 * record['error']:.2f} % "
                f"in {record['total_seconds']:.1f} s",
                flush=True,
            )
    labels = records[0]["num_labeled"]
    epochs = "/".join(str(e) for e in sorted({r["max_epochs"] for r in records}))
    print(
        f"\n{args.data}, {labels} labels, seeds {' '.join(map(str, args.seeds))}, {epochs} epochs "
        f"(JSON per run in {args.out})"
    )
    print(summary_table(records))
    return records


if __name__ == "__main__":
    main()
