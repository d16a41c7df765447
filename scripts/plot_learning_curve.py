"""Plot test (or validation) error per epoch (or against wall time, ``--x hours``, or the process's CPU time,
``--x cpu_hours``, which jobs sharing the cores inflate less) from learning-curve files
into one PNG.

Reads the ``*_curve.json`` files that ``scripts/reproduce.py --curve`` (catgan/curves.py) writes after
every epoch, or reproduce.py's per-run JSON records that hold a ``curve`` (a ``<stem>_curve.json`` that is gone,
e.g. because its record holds the same curve, is read from the newest ``<stem>_*.json`` record with one). Each curve is given as
``LABEL=PATH`` (or just PATH, labelled by its file name), ``PATH@METRIC`` to plot another metric of that
file than ``--metric`` (e.g. ``test/acc_raw``, the raw D beside the averaged one); ``--hline LABEL=VALUE`` draws reference
errors in percent (e.g. the paper's number). ``--project TARGET`` prints, per curve, the epoch at which
two least-squares fits of its error reach TARGET % (see ``projected_epoch``): extrapolations, not
measurements.

    python scripts/plot_learning_curve.py \
        "CatGAN seed 0=results/mnist/mnist_pi_catgan_100_seed0_curve.json" \
        "supervised seed 0=results/mnist_sup/mnist_pi_100_supervised_seed0_curve.json" \
        --hline "paper CatGAN (1.91 %)=1.91" --out docs/images/mnist_learning_curve.png \
        --project 1.91 --project-from 10
"""

from __future__ import annotations

import argparse
import json
import math
import os
from typing import List, Sequence, Tuple

PROJECTION_MODELS = ("log-linear", "power-law")


def curve_source(path: str) -> str:
    """``path``, or for a missing ``<stem>_curve.json`` the newest run record ``<stem>_<time>.json`` beside it that
    holds a curve (records carry their curve; separate curve files are kept only for runs without a record)."""
    if os.path.exists(path) or not path.endswith("_curve.json"):
        return path
    stem = path[: -len("_curve.json")]
    folder = os.path.dirname(path) or "."
    found = []
    for name in os.listdir(folder) if os.path.isdir(folder) else []:
        rest = name[len(os.path.basename(stem)) + 1 : -len(".json")] if name.endswith(".json") else ""
        if name.startswith(os.path.basename(stem) + "_") and rest.isdigit():
            with open(os.path.join(folder, name)) as f:
                record = json.load(f)
            if record.get("curve"):
                found.append((record.get("date", ""), os.path.join(folder, name)))
    if not found:
        raise FileNotFoundError(f"{path} not found, nor a run record {stem}_<time>.json with a curve")
    return max(found)[1]


def read_curve(path: str, metric: str, x: str = "epoch") -> Tuple[List[float], List[float]]:
    """(epochs, error in %) of ``metric`` (an accuracy, e.g. ``test/acc``) from a curve or record file;
    with ``x="hours"`` the first list is the training wall time in hours at each epoch's end instead, with
    ``x="cpu_hours"`` the process's CPU time (``cpu_seconds``, recorded since 2026-12-02)."""
    path = curve_source(path)
    with open(path) as f:
        data = json.load(f)
    rows = data["epochs"] if isinstance(data.get("epochs"), list) else data.get("curve")  # a record's epochs: a count
    if rows is None:
        raise ValueError(
            f"{path} holds no learning curve (no 'epochs' or 'curve' list): run reproduce.py with --curve."
        )
    rows = [r for r in rows if metric in r]
    if not rows:
        raise ValueError(
            f"{path} has no {metric!r} values; choose --metric among test/acc, val/acc, "
            f"test/cluster_acc, val/cluster_acc."
        )
    if x == "cpu_hours" and any("cpu_seconds" not in r for r in rows):
        raise ValueError(
            f"{path} has rows without 'cpu_seconds' (a run from before it was recorded): use --x hours or epoch."
        )
    key = {"hours": "seconds", "cpu_hours": "cpu_seconds"}.get(x)
    xs = [int(r["epoch"]) for r in rows] if key is None else [float(r[key]) / 3600.0 for r in rows]
    return xs, [100.0 * (1.0 - float(r[metric])) for r in rows]


def projected_epoch(
    epochs: Sequence[int], errors: Sequence[float], target: float, model: str = "log-linear", from_epoch: int = 1
) -> float:
    """The epoch at which a least-squares fit of the error curve (epochs >= ``from_epoch``) reaches ``target``
    (same unit as ``errors``); ``inf`` when the fitted curve does not fall.

    ``log-linear``: log(error) = a + b * epoch (the error falls by a constant factor per epoch);
    ``power-law``: log(error) = a + b * log(epoch) (a constant factor per doubling of the epochs).
    """
    import numpy as np

    if model not in PROJECTION_MODELS:
        raise ValueError(f"unknown projection model {model!r}; choose one of {PROJECTION_MODELS}.")
    epoch = np.asarray(epochs, dtype=float)
    keep = epoch >= from_epoch
    if keep.sum() < 2:
        raise ValueError(f"need at least 2 epochs >= {from_epoch} to fit a curve; lower --project-from.")
    x = epoch[keep] if model == "log-linear" else np.log(epoch[keep])
    slope, intercept = np.polyfit(x, np.log(np.asarray(errors, dtype=float)[keep]), 1)
    if slope >= 0:
        return math.inf
    x_target = (math.log(target) - intercept) / slope
    return float(x_target) if model == "log-linear" else math.exp(x_target)


def _epochs_text(epoch: float) -> str:
    return f"~{epoch:.0f}" if epoch < 1e6 else "> 1e6 (the fit barely falls)"


def projection_text(epochs: Sequence[int], errors: Sequence[float], target: float, from_epoch: int) -> str:
    """Both models' projected epochs, or why the curve cannot be fitted (e.g. it ends before ``from_epoch``)."""
    try:
        return ", ".join(
            f"{m} {_epochs_text(projected_epoch(epochs, errors, target, m, from_epoch))}" for m in PROJECTION_MODELS
        )
    except ValueError as error:
        return f"not projected ({error})"


def split_metric(path: str, metric: str) -> Tuple[str, str]:
    """``PATH@METRIC`` plots METRIC of that file (e.g. ``test/acc_raw`` beside ``test/acc`` of the same run);
    a plain PATH uses ``metric``."""
    if "@" in path:
        path, own = path.rsplit("@", 1)
        return path, own
    return path, metric


def split_label(spec: str) -> Tuple[str, str]:
    if "=" in spec:
        label, value = spec.rsplit("=", 1)
        return label, value
    return os.path.splitext(os.path.basename(spec))[0], spec


def plot(
    curves: List[str],
    out: str,
    metric: str = "test/acc",
    hlines: List[str] = (),
    title: str = "",
    log_y: bool = True,
    x: str = "epoch",
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=100)
    for spec in curves:
        label, path = split_label(spec)
        path, curve_metric = split_metric(path, metric)
        xs, errors = read_curve(path, curve_metric, x)
        ax.plot(xs, errors, marker="o", markersize=3, linewidth=1.5, label=label)
    for spec in hlines:
        label, value = split_label(spec)
        ax.axhline(float(value), linestyle="--", linewidth=1.0, color="gray")
        ax.annotate(
            label,
            (ax.get_xlim()[0], float(value)),
            textcoords="offset points",
            xytext=(4, 3),
            fontsize=8,
            color="dimgray",
        )
    if log_y:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(matplotlib.ticker.FixedLocator([0.5, 1, 2, 3, 5, 10, 20, 30, 50, 100]))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    if x == "epoch":
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_xlabel({"epoch": "epoch", "hours": "training wall time (h)", "cpu_hours": "training CPU time (h)"}[x])
    ax.set_ylabel(f"{metric.split('/')[0]} error (%)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    fig.savefig(out)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("curves", nargs="+", help="LABEL=PATH, PATH or LABEL=PATH@METRIC of a curve JSON")
    parser.add_argument("--metric", default="test/acc", help="accuracy whose complement is plotted")
    parser.add_argument("--hline", action="append", default=[], help="LABEL=VALUE: a reference error in %%")
    parser.add_argument("--title", default="")
    parser.add_argument("--linear", action="store_true", help="linear error axis (default: log)")
    parser.add_argument(
        "--x",
        choices=["epoch", "hours", "cpu_hours"],
        default="epoch",
        help="x axis: epoch, training wall time in hours, or the process's CPU time in hours",
    )
    parser.add_argument("--out", default="docs/images/mnist_learning_curve.png")
    parser.add_argument(
        "--project",
        type=float,
        metavar="TARGET",
        help="print the epoch at which each curve's fits reach TARGET %% error",
    )
    parser.add_argument("--project-from", type=int, default=1, metavar="EPOCH", help="fit epochs >= EPOCH only")
    args = parser.parse_args()
    plot(args.curves, args.out, args.metric, args.hline, args.title, not args.linear, args.x)
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1024:.0f} KB)")
    if args.project is not None:
        print(
            f"projected epoch to reach {args.project:g} % {args.metric.split('/')[0]} error "
            f"(fits of epochs >= {args.project_from}; extrapolations):"
        )
        for spec in args.curves:
            label, path = split_label(spec)
            epochs, errors = read_curve(*split_metric(path, args.metric))
            print(
                f"  {label}: {errors[-1]:.2f} % at epoch {epochs[-1]}; "
                + projection_text(epochs, errors, args.project, args.project_from)
            )


if __name__ == "__main__":
    main()
