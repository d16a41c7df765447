"""Per-split table of the learning curves in a folder of run records (``catgan/curve_summary.py``).

    python scripts/curve_summary.py docs/results/mnist_pi_catgan_vat_lrg2e3_test --threshold 1.91
    python scripts/curve_summary.py docs/results/mnist_pi_catgan_ladder/objective --at 10 20 40 --last 10

One row per label split (the newest single-fit record of each): final error of the tracked metric (the averaged D
where the model keeps one), the raw D, the error at ``--at`` epochs, the mean of the last ``--last`` epochs, the
first epoch at or below ``--threshold``, the epochs in the D-wins state (D's conditional entropy on generated data
above 2 nats after epoch 2) and the CPU hours of the fit; then mean ± std and the worst split.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

from catgan.curve_summary import markdown_table, summarize
from catgan.results_table import folder_records, record_seed


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", help="a folder of JSON run records written with --curve")
    parser.add_argument("--metric", default=None, help="the accuracy the curve tracks (default: each record's)")
    parser.add_argument("--at", type=int, nargs="*", default=[10, 20, 40], help="epochs to show (default 10 20 40)")
    parser.add_argument("--last", type=int, default=10, help="average the error over this many last epochs")
    parser.add_argument("--threshold", type=float, default=None, help="show the first epoch at or below this (%%)")
    parser.add_argument("--files", default="*.json", help="a glob of record names within the folder")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.last < 1:
        parser.error(f"--last is a number of epochs >= 1, got {args.last}")
    if not os.path.isdir(args.folder):
        parser.error(f"{args.folder} is not a folder of run records")
    newest = {}
    for name, record in folder_records(args.folder, args.files):
        if (
            record.get("restart")
            or record.get("ensemble")
            or record.get("stopped_after_epoch")
            or not record.get("curve")
        ):
            continue
        seed = record_seed(record, name)
        if seed not in newest or record.get("date", "") >= newest[seed].get("date", ""):
            newest[seed] = record
    if not newest:
        parser.error(f"no single-fit records with a curve in {args.folder} (written by reproduce.py --curve)")
    try:
        rows = [summarize(r, args.metric, args.at, args.last, args.threshold) for r in newest.values()]
    except ValueError as error:
        parser.error(str(error))
    print(markdown_table(rows, args.threshold))
    return 0


if __name__ == "__main__":
    sys.exit(main())
