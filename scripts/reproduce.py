"""Run one config over several label-split seeds and report test error mean ± std.

Each run goes through the in-process ``catgan`` CLI (fit, then test with the final weights) with the
split seed set in both ``seed_everything`` and ``data.init_args.seed``; one JSON record per run is written to
``--out`` (``catgan.runs``: config and its git blob hash, resolved config, overrides, seeds, metrics, error,
timings, software versions, the command that repeats it).

    python scripts/reproduce.py --config configs/digits_catgan.yaml --seeds 0 1 2
    python scripts/reproduce.py --config configs/digits_catgan.yaml --seeds 0 1 2 -- --data.init_args.num_labeled 100
    python scripts/reproduce.py --config configs/digits_catgan_unsupervised.yaml --metric test/cluster_acc
    python scripts/reproduce.py --config configs/mnist_pi_catgan_100.yaml --seeds 0 --curve --out results/mnist
    python scripts/reproduce.py --config configs/mnist_pi_catgan_100.yaml --out results/mnist --summarize
    python scripts/reproduce.py --config configs/digits_catgan.yaml --seeds 0-9 --workers 2

Extra arguments after ``--`` are passed to the CLI unchanged. With ``--curve`` each run also writes
``<out>/<config>_seed<seed>_curve.json`` after every epoch (val and test accuracy per epoch, see
catgan/curves.py), so a long run that is stopped still leaves its learning curve; the run's JSON
record gets the curve too. Seeds may run as separate processes (one ``--seeds S`` each, in parallel on
a machine with several cores); ``--summarize`` then prints the table from the records in ``--out``.
``--seeds`` takes numbers and ranges (``0-9`` is 0, 1, ..., 9); ``--workers N`` runs N seeds at a time, each
in its own process with one torch thread.

A run that must survive being stopped (a long one) keeps its folder with
``--run-dir DIR``: checkpoints go to ``DIR/<config>_seed<seed>/ckpt`` instead of a temporary folder, and
the same command started again resumes each seed from its ``last.ckpt`` (exactly: the data order,
the noise streams and, with ``--curve``, the learning curve continue). The record then says
``resumed_from``, and ``train_seconds`` is the training time of all parts together (from the curve;
``train_cpu_seconds`` the CPU time, far less inflated than wall time by jobs sharing the cores).

    python scripts/reproduce.py --config configs/mnist_pi_improved_gan_100.yaml --seeds 1 --curve \
        --out results/igan --run-dir runs/igan      # stopped? the same command resumes it

Paired comparisons: ``--summarize --against DIR`` pairs the records with those of another folder (any config)
seed by seed and prints the mean error difference with its standard error, wins and losses and a paired t-test,
on ``--metric`` and on the other held-out split, so a gain found on validation error can be checked on the test
error of the same runs (and the reverse).

    python scripts/reproduce.py --config configs/digits_catgan.yaml --out results/vat --summarize \
        --metric val/acc --against results/default

Clustering restarts (CatGAN): ``--restarts R`` fits each seed R times from different initializations
(``seed_everything`` = seed + 1000 r for restart r; the data seed stays the seed) and keeps, per seed, the
restart whose D has the highest mutual information between images and clusters on the validation images,
H[mean_x p(y|x)] - mean_x H[p(y|x)] (``val/marginal_entropy_real - val/conditional_entropy_real``, noise off):
CatGAN's own objective on real data, computed without any label. The record of every restart is kept; the
table reports the kept ones.

    python scripts/reproduce.py --config configs/digits_catgan_unsupervised.yaml --seeds 0-4 --restarts 3 \
        --metric test/cluster_acc_majority

Restarts screened early: ``--restarts R --select-epoch E`` trains every restart for its first E epochs only (the full
run's schedule, stopped by ``catgan.stopping.StopAfterEpoch``, checkpoint kept), then continues per seed just the one
with the highest mutual information at epoch E, from its checkpoint (exactly as if never stopped). R restarts cost
R E + (max_epochs - E) epochs instead of R max_epochs. E must be late enough for MI to rank the fits
as the final MI would. Screening records in ``--out`` are reused, so the same command resumes.

    python scripts/reproduce.py --config configs/mnist_catgan_unsupervised.yaml --seeds 0 1 2 --restarts 4 \
        --select-epoch 10 --metric test/cluster_acc_majority --run-dir runs/unsup --curve --workers 2

Ensembles (any classifier): ``--restarts R --ensemble`` scores each seed's R fits as one classifier, the mean
of their class probabilities on the validation and test images (``catgan.ensembles``; each fit's probabilities
are saved beside its record as ``<stem>_probs.pt``); the table reports the ensembles and their members.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys

from catgan.restarts import ENSEMBLE_METRICS, ensemble_records, screened_restarts, select_restarts
from catgan.runs import load_records, relative, run_configs
from catgan.summaries import paired_lines, summary_lines


def seed_list(text: str) -> list[int]:
    """``"3"`` -> [3]; ``"0-9"`` -> [0, ..., 9] (both ends included)."""
    first, dash, last = text.partition("-")
    try:
        seeds = list(range(int(first), int(last) + 1)) if dash else [int(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a seed or a range such as 0-9") from None
    if not seeds:
        raise argparse.ArgumentTypeError(f"the range {text!r} is empty: write it low-high, e.g. 0-9")
    return seeds


def model_class(config: str, extra: list[str]) -> str:
    """The model's class path: the last ``--model.class_path``/``--model`` override, else the config's."""
    import yaml

    for i in range(len(extra) - 2, -1, -1):
        if extra[i] in ("--model.class_path", "--model"):
            return extra[i + 1]
    with open(config) as f:
        model = (yaml.safe_load(f) or {}).get("model", {})
    return model.get("class_path", "") if isinstance(model, dict) else str(model)


def ensemble_command(args: argparse.Namespace, seed: int, extra: list[str]) -> str:
    """The command line that repeats one split's ensemble (repository-relative)."""
    line = ["python", "scripts/reproduce.py", "--config", relative(args.config), "--seeds", str(seed)]
    line += ["--restarts", str(args.restarts), "--ensemble", "--metric", args.metric]
    return shlex.join(line + (["--", *extra] if extra else []))


def main(argv: list[str] | None = None) -> list[dict]:
    argv = sys.argv[1:] if argv is None else list(argv)
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True)
    parser.add_argument("--seeds", type=seed_list, nargs="+", default=[[0], [1], [2]], help="e.g. 0 1 2, or 0-9")
    parser.add_argument("--workers", type=int, default=1, help="seeds run at a time, one process each")
    parser.add_argument("--metric", default="test/acc", help="accuracy metric whose complement is the error")
    parser.add_argument("--out", default="results/reproduce")
    parser.add_argument("--logger", choices=["none", "default"], default="none")
    parser.add_argument("--curve", action="store_true", help="write val/test accuracy per epoch (see above)")
    parser.add_argument(
        "--run-dir",
        default=None,
        help="keep each seed's run folder (checkpoints) under this folder and resume from its last.ckpt",
    )
    parser.add_argument(
        "--restarts",
        type=int,
        default=1,
        help="fits per seed from different initializations; keep the one with the highest label-free mutual "
        "information of D on the validation images (see above)",
    )
    parser.add_argument(
        "--select-epoch",
        type=int,
        default=None,
        help="with --restarts R: train every restart for this many epochs only, then continue just the one with "
        "the highest mutual information at that epoch (more restarts for the time; see above)",
    )
    parser.add_argument(
        "--ensemble",
        action="store_true",
        help="with --restarts R: score each seed's R fits as one classifier, the mean of their class "
        "probabilities (any classifier module; --metric test/acc or val/acc)",
    )
    parser.add_argument(
        "--against",
        default=None,
        help="with --summarize: a folder of baseline records (any config) to pair with seed by seed: the "
        "mean error difference on --metric and on the other split, wins/losses and a paired t-test",
    )
    parser.add_argument(
        "--summarize",
        action="store_true",
        help="train nothing: print the table of the records already in --out for --config "
        "(the newest per seed, e.g. of seeds run as separate processes)",
    )
    args = parser.parse_args(argv)
    seeds = sorted({seed for group in args.seeds for seed in group})
    if args.workers < 1:
        parser.error(f"--workers must be >= 1, got {args.workers}")
    if args.restarts < 1:
        parser.error(f"--restarts must be >= 1, got {args.restarts}")
    if args.select_epoch is not None and (args.select_epoch < 1 or args.restarts < 2 or args.ensemble):
        parser.error(
            f"--select-epoch E (got {args.select_epoch}) screens --restarts R >= 2 (got {args.restarts}) for E >= 1 "
            "epochs and continues the one with the highest mutual information; it does not combine with --ensemble"
        )
    if args.ensemble and ((args.restarts < 2 and not args.summarize) or args.metric not in ENSEMBLE_METRICS):
        parser.error(
            f"--ensemble averages the class probabilities of --restarts R >= 2 fits (got {args.restarts}) and "
            f"scores them with --metric {' or '.join(ENSEMBLE_METRICS)} (got {args.metric}); clusters of different "
            "fits do not correspond, so for clustering use --restarts without --ensemble"
        )
    if args.summarize:
        records = load_records(args.out, args.config, ensembles=args.ensemble)
        if not records:
            parser.error(f"no run records of {args.config} in {args.out}: run this script without --summarize first")
    else:
        if not os.path.exists(args.config):
            parser.error(f"config {args.config} not found")
        if args.restarts > 1 and not args.ensemble and "CatGAN" not in model_class(args.config, extra):
            parser.error(
                f"--restarts selects by D's mutual information on the validation images, which CatGAN logs; "
                f"{args.config} trains {model_class(args.config, extra)}"
            )
        run = dict(overrides=extra, metric=args.metric, out_dir=args.out, run_dir=args.run_dir, curve=args.curve)
        run["logger"] = args.logger == "default"
        if args.select_epoch is None:
            jobs = [
                dict(run, config=args.config, seed=seed, restart=restart, probs=args.ensemble)
                for seed in seeds
                for restart in range(args.restarts)
            ]
            records = run_configs(jobs, args.workers)
        else:
            records = screened_restarts(args.config, seeds, args.restarts, args.select_epoch, run, args.workers)
        if args.ensemble:
            commands = {seed: ensemble_command(args, seed, extra) for seed in seeds}
            records = [
                ensemble_records([r for r in records if r["seed"] == seed], args.out, commands[seed])[0]
                for seed in seeds
            ]
    if not args.ensemble:
        try:
            records = select_restarts(records)
        except ValueError as error:
            parser.error(str(error))
    if any("restarts" in r for r in records):
        print("\nrestarts: per seed, the fit whose D has the highest mutual information on the validation images")
    overrides = " ".join(records[0]["overrides"]) if args.summarize else " ".join(extra)
    print(f"\n{args.config} {overrides}")
    print("\n".join(summary_lines(records, args.metric)))
    if args.against:
        baseline = load_records(args.against)
        if not args.ensemble:
            baseline = select_restarts(baseline)
        try:
            print("\n".join(paired_lines(records, baseline, args.metric)))
        except ValueError as error:
            parser.error(str(error))
    return records


if __name__ == "__main__":
    argv, sys.argv = sys.argv[1:], sys.argv[:1]  # the CLI reads its arguments from `args`, not from sys.argv
    main(argv)
