"""Label spreading through trained discriminators' features (``catgan.label_spreading``), one JSON record per run.

    python scripts/spread_labels.py runs/conv/seed101/ckpt/last.ckpt --split val --neighbors 10 --alpha 0.99 \\
        --weights 0 0.5 1 --out results/spread.json

For each checkpoint (of ``catgan fit``: its data settings are read from it, so the same label split is rebuilt)
the error on ``--split`` of D alone (weight 0), of label spreading alone (weight 1) and of their mixtures. Choose
the settings on the validation split of tuning label splits; ``--split test`` reports them. The record holds the
settings, the checkpoint paths relative to the repository root, the label-split seed and the timings.
"""

from __future__ import annotations

import argparse
import json
import os
import time


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkpoints", nargs="+", help="checkpoints written by catgan fit")
    parser.add_argument("--split", choices=["val", "test"], default="val")
    parser.add_argument("--neighbors", type=int, default=10, help="k of the k-NN graph")
    parser.add_argument(
        "--alpha",
        type=float,
        default=0.99,
        help="LabelSpreading's alpha in (0, 1): the share of a node's distribution taken from its neighbours at each "
        "step (Zhou et al.'s 0.99; sklearn's default 0.2 barely leaves the labelled nodes of a large graph)",
    )
    parser.add_argument(
        "--weights", type=float, nargs="+", default=[0.0, 0.5, 1.0], help="mixing weights w of (1 - w) p_D + w p_spread"
    )
    parser.add_argument("--out", default=None, help="JSON record to write (default: print only)")
    args = parser.parse_args(argv)
    missing = [p for p in args.checkpoints if not os.path.isfile(p)]
    if missing:
        parser.error(f"no such checkpoint: {', '.join(missing)}")

    from catgan.label_spreading import spread_through_features
    from catgan.run_folders import load_checkpoint_datamodule, load_checkpoint_model
    from catgan.runs import relative, versions

    runs = []
    for path in args.checkpoints:
        started = time.perf_counter()
        model, data = load_checkpoint_model(path), load_checkpoint_datamodule(path)
        errors = spread_through_features(model, data, args.split, args.neighbors, args.alpha, args.weights)
        runs.append(
            dict(
                checkpoint=relative(path),
                label_split_seed=data.seed,
                errors=errors,
                seconds=round(time.perf_counter() - started, 1),
            )
        )
        shown = "  ".join(f"w={w}: {100 * e:.2f} %" for w, e in errors.items())
        print(f"{relative(path)} (label split {data.seed}), {args.split} error  {shown}", flush=True)
    record = dict(
        split=args.split,
        neighbors=args.neighbors,
        alpha=args.alpha,
        weights=args.weights,
        runs=runs,
        versions=versions(),
    )
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump(record, f, indent=1)
    return record


if __name__ == "__main__":
    main()
