"""Run one config over several label-split seeds and report test error mean ± std.

Each run goes through the in-process ``catgan`` CLI (fit, then test with the final weights) with the
split seed set in both ``seed_everything`` and ``data.init_args.seed``; one JSON per run is written to
``--out`` (config, seed, overrides, epochs, fit wall time, val/test accuracy and error).

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

A run that must survive being stopped (a long one, spanning working sessions) keeps its folder with
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
R E + (max_epochs - E) epochs instead of R max_epochs. E must be late enough for MI to rank the fits: on unsupervised
MNIST (30 epochs) MI at epoch 5 did not (2.03 against 2.04 nats for a 10 % and a 24 % fit), at epoch 10 it kept, on
each of three test seeds, the fit that MI at epoch 30 keeps among restarts 0-2. Screening records in ``--out`` are reused, so the same command resumes.

    python scripts/reproduce.py --config configs/mnist_catgan_unsupervised.yaml --seeds 0 1 2 --restarts 4 \
        --select-epoch 10 --metric test/cluster_acc_majority --run-dir runs/unsup --curve --workers 2

Ensembles (any classifier): ``--restarts R --ensemble`` scores each seed's R fits as one classifier, the mean
of their class probabilities on the validation and test images (``catgan.ensembles``; each fit's probabilities
are saved beside its record as ``<stem>_probs.pt``); the table reports the ensembles and their members.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from typing import Callable


def run_one(
    config: str,
    seed: int,
    extra: list[str],
    metric: str,
    out_dir: str,
    logger: str,
    curve: bool = False,
    run_dir: str | None = None,
    restart: int = 0,
    probs: bool = False,
    stop_after: int | None = None,
    annotate: dict | None = None,
) -> dict:
    from catgan.cli import main, split_run_args

    stem = f"{os.path.splitext(os.path.basename(config))[0]}_seed{seed}" + (f"_restart{restart}" if restart else "")
    curve_path = os.path.join(out_dir, f"{stem}_curve.json")
    resumed_from = None
    with contextlib.ExitStack() as stack:
        folder = os.path.join(run_dir, stem) if run_dir else stack.enter_context(tempfile.TemporaryDirectory())
        args = ["fit"] + split_run_args(config, seed, folder)
        if restart:  # another initialization, the same data seed (label split)
            args += ["--seed_everything", str(seed + RESTART_STRIDE * restart)]
        last = os.path.join(folder, "ckpt", "last.ckpt")
        if run_dir and os.path.isfile(last):
            resumed_from = last
            args += ["--ckpt_path", last]
        if logger == "none":
            args += ["--trainer.logger", "false"]
        if curve:
            args += ["--trainer.callbacks+=catgan.curves.LearningCurve", "--trainer.callbacks.path", curve_path]
        if stop_after:  # a screening part of the full run: the same schedule, stopped (resumed later without this)
            args += [
                "--trainer.callbacks+=catgan.stopping.StopAfterEpoch",
                "--trainer.callbacks.epochs",
                str(stop_after),
            ]
        started = time.perf_counter()
        cli = main(args=args + extra)
        total = time.perf_counter() - started
    metrics = {k: v for k, v in getattr(cli, "fit_metrics", {}).items() if k.startswith("val/")}
    metrics.update({k: float(v) for k, v in cli.trainer.callback_metrics.items() if k.startswith(("val/", "test/"))})
    rows = []
    if curve:
        with open(curve_path) as f:
            rows = json.load(f)["epochs"]
    validated = [r for r in rows if any(name.startswith("val/") for name in r)]
    if validated:  # a run resumed after it had finished trains no epoch: its validation numbers are the curve's
        metrics.update({k: v for k, v in validated[-1].items() if k.startswith("val/") and k not in metrics})
    record = {
        "config": config,
        "seed": seed,
        "overrides": extra,
        "metric": metric,
        "epochs": cli.trainer.current_epoch,
        "optimizer_steps": cli.trainer.global_step,
        "fit_seconds": round(getattr(cli, "fit_seconds", float("nan")), 2),
        "total_seconds": round(total, 2),
        "metrics": metrics,
        "error": 1.0 - metrics[metric] if metric in metrics else None,  # summary_lines names the metrics there are
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    if restart:
        record["restart"] = restart
        record["init_seed"] = seed + RESTART_STRIDE * restart
    if resumed_from:
        record["resumed_from"] = resumed_from
    if stop_after:
        record["stopped_after_epoch"] = stop_after
    record.update(annotate or {})
    if curve:
        record["curve"] = rows
        if rows:
            record["train_seconds"] = rows[-1]["seconds"]
            if "cpu_seconds" in rows[-1]:  # the process's CPU time: with one thread, the core time the run used
                record["train_cpu_seconds"] = rows[-1]["cpu_seconds"]
    os.makedirs(out_dir, exist_ok=True)
    if probs:  # the final classifier's class probabilities, for --ensemble (kept beside the record, not in it)
        record["probs_file"] = f"{stem}_probs.pt"
        torch_save_probs(cli, os.path.join(out_dir, record["probs_file"]))
    name = f"{stem}_{int(time.time())}.json"
    with open(os.path.join(out_dir, name), "w") as f:
        json.dump(record, f, indent=2)
    return record


RESTART_STRIDE = 1000  # restart r of seed s initializes from seed_everything = s + 1000 r
ENSEMBLE_METRICS = ("val/acc", "test/acc")


def restart_groups(records: list[dict]) -> list[list[dict]]:
    """The records grouped per (config, seed), in seed order, each group in restart order."""
    groups: dict[tuple[str, int], list[dict]] = {}
    for record in records:
        groups.setdefault((os.path.normpath(record["config"]), int(record["seed"])), []).append(record)
    return [sorted(groups[key], key=lambda r: r.get("restart", 0)) for key in sorted(groups)]


def torch_save_probs(cli, path: str) -> None:
    """The trained model's class probabilities and labels on the validation and test images (those it has)."""
    import torch

    from catgan.ensembles import class_probabilities

    saved = {}
    for stage in ("val", "test"):
        loader = getattr(cli.datamodule, f"{stage}_dataloader")()
        if len(loader) > 0:
            saved[stage] = class_probabilities(cli.model, loader)  # ((N, K), (N,))
    torch.save(saved, path)


def ensemble_records(records: list[dict], out_dir: str) -> list[dict]:
    """Per (config, seed), one record scoring the mean class probabilities of its restarts (``--ensemble``):
    ``val/acc`` and ``test/acc`` of the ensemble, its members' metrics under ``members``. Written to ``out_dir``."""
    import torch

    from catgan.ensembles import ensemble_accuracy

    ensembles = []
    for group in restart_groups(records):
        saved = [torch.load(os.path.join(out_dir, r["probs_file"])) for r in group]
        metrics = {}
        for stage in ("val", "test"):
            if all(stage in s for s in saved):
                metrics[f"{stage}/acc"] = ensemble_accuracy([s[stage][0] for s in saved], saved[0][stage][1])
        first = group[0]
        record = {
            "config": first["config"],
            "seed": first["seed"],
            "overrides": first["overrides"],
            "metric": first["metric"],
            "ensemble": len(group),
            "members": [
                {"restart": r.get("restart", 0), "init_seed": r.get("init_seed", r["seed"]), "metrics": r["metrics"]}
                for r in group
            ],
            "epochs": first["epochs"],
            "optimizer_steps": sum(r["optimizer_steps"] for r in group),
            "fit_seconds": round(sum(r["fit_seconds"] for r in group), 2),
            "total_seconds": round(sum(r["total_seconds"] for r in group), 2),
            "metrics": metrics,
            "error": 1.0 - metrics[first["metric"]] if first["metric"] in metrics else None,
            "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        stem = f"{os.path.splitext(os.path.basename(first['config']))[0]}_seed{first['seed']}_ensemble{len(group)}"
        with open(os.path.join(out_dir, f"{stem}_{int(time.time())}.json"), "w") as f:
            json.dump(record, f, indent=2)
        ensembles.append(record)
    return ensembles


def mutual_information(record: dict) -> float:
    """D's mutual information between validation images and its outputs, from a run record (no labels)."""
    metrics = record["metrics"]
    try:
        return metrics["val/marginal_entropy_real"] - metrics["val/conditional_entropy_real"]
    except KeyError:
        raise ValueError(
            f"the run of seed {record['seed']} recorded no val/marginal_entropy_real and val/conditional_entropy_real, "
            "which --restarts selects by: run a CatGAN with a validation split, validated at its last epoch "
            "(--trainer.check_val_every_n_epoch); or score the restarts as one classifier with --ensemble."
        ) from None


def select_restarts(records: list[dict]) -> list[dict]:
    """Per (config, seed), the restart with the highest ``mutual_information``; the kept record lists all of
    them under ``restarts`` (restart, init seed, mutual information, metrics). Seeds without restarts pass."""
    kept = []
    for group in restart_groups(records):
        selected = [r for r in group if "selected_at_epoch" in r]  # --select-epoch chose already, at that epoch
        if selected:
            kept.append(selected[-1])
            continue
        if len(group) == 1:
            kept.append(group[0])
            continue
        best = max(group, key=mutual_information)
        best = dict(
            best,
            restarts=[
                {
                    "restart": r.get("restart", 0),
                    "init_seed": r.get("init_seed", r["seed"]),
                    "mutual_information": mutual_information(r),
                    "metrics": r["metrics"],
                }
                for r in group
            ],
        )
        kept.append(best)
    return kept


def screened_restarts(args: argparse.Namespace, seeds: list[int], extra: list[str]) -> list[dict]:
    """``--restarts R --select-epoch E``: every restart trains its first E epochs (the full run's schedule, stopped by
    ``catgan.stopping.StopAfterEpoch``), then per seed only the one whose D has the highest mutual information on the
    validation images at epoch E goes on to the end, resumed from its checkpoint. Screening records already in
    ``--out`` are reused, so the same command resumes; the final record lists every restart at epoch E."""
    epoch = args.select_epoch
    screened_here = {}
    for r in load_records(args.out, args.config, where=lambda r: r.get("stopped_after_epoch") == epoch):
        screened_here[(int(r["seed"]), int(r.get("restart", 0)))] = r
    with contextlib.ExitStack() as stack:
        run_dir = args.run_dir or stack.enter_context(tempfile.TemporaryDirectory())
        common = (extra, args.metric, args.out, args.logger, args.curve, run_dir)
        jobs = [
            (args.config, seed, *common, restart, False, epoch)
            for seed in seeds
            for restart in range(args.restarts)
            if (seed, restart) not in screened_here
        ]
        wanted = [screened_here[(s, r)] for s in seeds for r in range(args.restarts) if (s, r) in screened_here]
        screened = wanted + run_seeds(jobs, args.workers)
        finals = []
        for group in restart_groups(screened):
            best = max(group, key=mutual_information)
            annotate = {
                "selected_at_epoch": epoch,
                "restarts": [
                    {
                        "restart": r.get("restart", 0),
                        "init_seed": r.get("init_seed", r["seed"]),
                        "mutual_information": mutual_information(r),
                        "metrics": r["metrics"],
                    }
                    for r in group
                ],
            }
            finals.append((args.config, best["seed"], *common, best.get("restart", 0), False, None, annotate))
        return run_seeds(finals, args.workers)


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


def _run_in_worker(job: tuple) -> dict:
    import torch

    torch.set_num_threads(1)
    sys.argv = sys.argv[:1]  # the CLI reads its arguments from `args`, not from this script's command line
    return run_one(*job)


def run_seeds(jobs: list[tuple], workers: int) -> list[dict]:
    """``run_one(*job)`` for each job, ``workers`` at a time in separate processes (in order when 1)."""
    if workers <= 1 or len(jobs) <= 1:
        return [run_one(*job) for job in jobs]
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    os.environ.setdefault("OMP_NUM_THREADS", "1")  # inherited by the spawned workers
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
        return list(pool.map(_run_in_worker, jobs))


def load_records(
    out_dir: str, config: str | None = None, ensembles: bool = False, where: Callable[[dict], bool] | None = None
) -> list[dict]:
    """The run records in ``out_dir`` (of ``config`` only, when given; only those ``where`` accepts, when given),
    the newest one per config, seed and restart, ordered by seed; with ``ensembles`` the ``--ensemble`` records
    instead of the single fits. Lets seeds run as separate processes (one ``--seeds S`` each) and be summarized
    later."""
    newest: dict[tuple[str, int, int], dict] = {}
    for name in sorted(os.listdir(out_dir)) if os.path.isdir(out_dir) else []:
        if not name.endswith(".json") or name.endswith("_curve.json"):
            continue
        with open(os.path.join(out_dir, name)) as f:
            record = json.load(f)
        if "seed" not in record or "metrics" not in record:
            continue
        if config is not None and os.path.normpath(record["config"]) != os.path.normpath(config):
            continue
        if ("ensemble" in record) != ensembles or (where is not None and not where(record)):
            continue
        key = (record["config"], int(record["seed"]), int(record.get("restart", 0)))
        if key not in newest or record.get("date", "") >= newest[key].get("date", ""):
            newest[key] = record
    return [newest[key] for key in sorted(newest)]


def summary_lines(records: list[dict], metric: str) -> list[str]:
    """The per-seed table and the mean ± std line that ``main`` prints."""
    missing = [r["seed"] for r in records if metric not in r["metrics"]]
    if missing:
        raise ValueError(
            f"the runs of seeds {missing} recorded no {metric!r}; choose --metric among "
            f"{sorted(records[0]['metrics'])}."
        )
    errors = [100 * (1 - r["metrics"][metric]) for r in records]
    val_metric = metric.replace("test/", "val/", 1)
    val_errors = [100 * (1 - r["metrics"].get(val_metric, float("nan"))) for r in records]
    lines = [f"{'seed':>4}  {'error %':>8}  {'val error %':>11}  {'epochs':>6}  {'fit s':>7}  {'total s':>7}"]
    for r, e, v in zip(records, errors, val_errors):
        kept = ""
        if "restarts" in r:
            others = ", ".join(
                f"{100 * (1 - x['metrics'].get(metric, float('nan'))):.2f} (MI {x['mutual_information']:.3f})"
                for x in r["restarts"]
            )
            at = f" at epoch {r['selected_at_epoch']}" if "selected_at_epoch" in r else ""
            kept = f"  restart {r.get('restart', 0)} of {len(r['restarts'])} (highest MI{at}; all{at}: {others})"
        if "members" in r:
            others = ", ".join(f"{100 * (1 - x['metrics'].get(metric, float('nan'))):.2f}" for x in r["members"])
            kept = f"  ensemble of {r['ensemble']} (members: {others})"
        lines.append(
            f"{r['seed']:>4}  {e:8.2f}  {v:11.2f}  {r['epochs']:>6}  {r['fit_seconds']:7.1f}  {r['total_seconds']:7.1f}"
            + kept
        )
    spread = statistics.stdev(errors) if len(errors) > 1 else 0.0
    lines.append(
        f"mean {metric} error: {statistics.mean(errors):.2f} ± {spread:.2f} % over {len(errors)} seeds "
        f"(val {statistics.mean(val_errors):.2f} %; fit {statistics.mean(r['fit_seconds'] for r in records):.1f} s each)"
    )
    return lines


def counterpart(metric: str) -> str:
    """The same metric on the other held-out split: ``val/x`` for ``test/x`` and the reverse."""
    if metric.startswith("test/"):
        return "val/" + metric[len("test/") :]
    return "test/" + metric[len("val/") :] if metric.startswith("val/") else metric


def paired_lines(records: list[dict], baseline: list[dict], metric: str) -> list[str]:
    """``--against``: per seed in both, this folder's error minus the baseline's, for ``metric`` and its
    counterpart on the other split (did a validation gain hold on the test images?): mean difference, its
    standard error, wins / ties / losses and the paired t-test's two-sided p (scipy)."""
    from scipy import stats

    base = {int(r["seed"]): r for r in baseline}
    pairs = [(r, base[int(r["seed"])]) for r in records if int(r["seed"]) in base]
    if not pairs:
        raise ValueError("--against: no seed is in both folders, so there is nothing to pair")
    lines = [f"paired with the baseline on {len(pairs)} seeds ({', '.join(str(r['seed']) for r, _ in pairs)}):"]
    for name in dict.fromkeys([metric, counterpart(metric)]):
        if not all(name in r["metrics"] and name in b["metrics"] for r, b in pairs):
            continue
        diffs = [100 * (b["metrics"][name] - r["metrics"][name]) for r, b in pairs]  # error here - error there
        mean = statistics.mean(diffs)
        se = statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else float("nan")
        wins, losses = sum(d < 0 for d in diffs), sum(d > 0 for d in diffs)
        p = stats.ttest_1samp(diffs, 0.0).pvalue if len(diffs) > 1 and se > 0 else float("nan")
        lines.append(
            f"  {name} error: {mean:+.2f} ± {se:.2f} points (this minus baseline, ± s.e.), lower on {wins}, "
            f"higher on {losses}, equal on {len(diffs) - wins - losses}; paired t-test p = {p:.3f}"
        )
    return lines


def model_class(config: str, extra: list[str]) -> str:
    """The model's class path: the last ``--model.class_path``/``--model`` override, else the config's."""
    import yaml

    for i in range(len(extra) - 2, -1, -1):
        if extra[i] in ("--model.class_path", "--model"):
            return extra[i + 1]
    with open(config) as f:
        model = (yaml.safe_load(f) or {}).get("model", {})
    return model.get("class_path", "") if isinstance(model, dict) else str(model)


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
        jobs = [
            (
                args.config,
                seed,
                extra,
                args.metric,
                args.out,
                args.logger,
                args.curve,
                args.run_dir,
                restart,
                args.ensemble,
            )
            for seed in seeds
            for restart in range(args.restarts)
        ]
        records = run_seeds(jobs, args.workers) if args.select_epoch is None else screened_restarts(args, seeds, extra)
        if args.ensemble:
            records = ensemble_records(records, args.out)
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
