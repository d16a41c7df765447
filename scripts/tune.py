"""Hyperparameter search with Optuna: each trial is a real ``catgan fit`` of a config with overrides.

    python scripts/tune.py --config configs/digits_catgan.yaml --space configs/search/digits_catgan.yaml \
        --seeds 100 101 --trials 40 --timeout 1800 --workers 2 --out runs/tune/digits_catgan

- The search space is a small YAML file of CLI keys (``configs/search/<name>.yaml``), each with a
  ``float`` / ``int`` range (``log: true`` for a log scale, ``step`` for a grid) or ``categorical`` choices:

      model.init_args.lr_d: {type: float, low: 1.0e-4, high: 1.0e-2, log: true}
      model.init_args.g_steps: {type: int, low: 1, high: 3}
      model.init_args.discriminator.init_args.batch_norm: {type: categorical, choices: [true, false]}

  ``same_as: <other key>`` gives a key the value sampled for another one (e.g. lr_g = lr_d). Every key is
  checked against the config (parsed with the smallest value of each range) before any trial runs.
- A trial fits the config once per label split in ``--seeds`` (``seed_everything`` and ``data.seed``) and
  scores the mean of ``--metric`` (minimized; ``.../error`` may be given as ``1 - .../acc``). After every
  validation it reports the running value to Optuna (step = split index * max_epochs + epoch); the median
  (default) or successive-halving pruner stops trials that fall behind, mid-fit.
- The study lives in SQLite (``<out>/study.db`` unless ``--storage``); ``--resume`` continues it (the
  trial budget counts the trials already there; trials a killed call left running are run again) and several ``--workers`` processes (one torch thread
  each) share it. ``--wandb`` logs each trial's fit to W&B (offline unless WANDB_MODE says otherwise),
  grouped by study; by default trials log nothing.
- Trials validate at least once: a config that validates every N epochs validates at the end of a fit of
  fewer than N epochs. A validation metric needs a validation split (checked before any trial). A study whose
  trials all failed (e.g. on a metric the module does not log) is continued by the same command, corrected.
- At the end: the top trials, parameter importances (Optuna's fANOVA, in ``<out>/importances.json`` with the
  number of trials behind them), ``<out>/study.json`` (the study's record: config and its git blob hash, space,
  metric, seeds, overrides, command, every trial with its values per validation) and ``<out>/best.yaml``, the
  base config with the best values, which runs as ``catgan fit --config <out>/best.yaml``. ``--baseline``
  runs the base config's own values first, as a reference trial (``catgan.search.base_values``).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import shlex
import statistics
import sys
import tempfile
import time
from typing import Any, Dict, List, Optional

from catgan.runs import relative, split_run_args
from catgan.search import base_values, check_space, decode_choice, load_space, override_args, suggest  # noqa: F401
from catgan.studies import describe, open_study, report, requeue_interrupted, sampler_seed

# ----------------------------------------------------------------------------- trials


def metric_value(metrics: Dict[str, Any], metric: str) -> Optional[float]:
    """``metrics[metric]``, or ``1 - <acc>`` for an ``error`` name whose accuracy was logged instead."""
    if metric in metrics:
        return float(metrics[metric])
    if metric.endswith("error"):
        acc = metric[: -len("error")] + "acc"
        if acc in metrics:
            return 1.0 - float(metrics[acc])
    return None


def pruning_callback(trial, metric: str, offset: int):
    """A Lightning callback that reports ``metric`` after each validation (step ``offset + epoch``) and stops
    the fit with ``optuna.TrialPruned`` when the pruner says so."""
    import lightning.pytorch as pl
    import optuna

    class ReportToTrial(pl.Callback):
        def on_validation_end(self, trainer, pl_module) -> None:
            if trainer.sanity_checking:
                return
            value = metric_value(trainer.callback_metrics, metric)
            if value is None:
                return
            trial.report(value, offset + trainer.current_epoch)
            if trial.should_prune():
                trial.set_user_attr("pruned_at_epoch", trainer.current_epoch + 1)
                raise optuna.TrialPruned(f"{metric} = {value:.4f} at epoch {trainer.current_epoch + 1}")

    return ReportToTrial()


def make_objective(
    config: str,
    space: Dict[str, Dict[str, Any]],
    metric: str,
    seeds: List[int],
    extra: List[str],
    wandb: bool,
    study_name: str,
):
    """The objective: mean of ``metric`` over the label splits ``seeds`` at the end of each fit."""

    def objective(trial) -> float:
        from catgan.cli import main

        values = suggest(trial, space)
        scores = []
        for index, seed in enumerate(seeds):
            with tempfile.TemporaryDirectory() as tmp:
                args = split_run_args(config, seed, tmp) + [
                    "--test_after_fit",
                    "false",
                    "--torch_threads",
                    "1",
                ]
                if wandb:
                    args += [
                        "--trainer.logger.init_args.group",
                        study_name,
                        "--trainer.logger.init_args.name",
                        f"{study_name}-trial{trial.number}-seed{seed}",
                    ]
                else:
                    args += ["--trainer.logger", "false"]
                cli = main(args=args + extra + override_args(values), run=False)
                max_epochs = int(cli.trainer.max_epochs)
                # validate at least once, at the end of a fit shorter than the config's validation interval
                every = cli.trainer.check_val_every_n_epoch
                if every is not None and every > max_epochs:
                    cli.trainer.check_val_every_n_epoch = max_epochs
                cli.trainer.callbacks.append(pruning_callback(trial, metric, index * max_epochs))
                cli.trainer.fit(cli.model, datamodule=cli.datamodule)
            value = metric_value(cli.trainer.callback_metrics, metric)
            if value is None:  # e.g. a metric the module does not log: the study can be rerun with another one
                raise ValueError(
                    f"the fit logged no {metric!r}; choose --metric among "
                    f"{sorted(k for k in cli.trainer.callback_metrics if k.startswith('val/'))}"
                )
            scores.append(value)
            trial.set_user_attr(f"seed{seed}", value)
        trial.set_user_attr("epochs", int(cli.trainer.current_epoch))
        return statistics.mean(scores)

    return objective


def run_worker(
    args: argparse.Namespace, space: Dict[str, Dict[str, Any]], extra: List[str], worker: int, deadline: float
) -> None:
    """One process: trials until the study holds ``--trials`` finished or pruned trials, or the deadline."""
    import optuna
    import torch
    from optuna.study import MaxTrialsCallback
    from optuna.trial import TrialState

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = open_study(args.storage, args.study_name, args.pruner, sampler_seed(args.seed, worker, None), resume=True)
    if args.seed is not None and (existing := len(study.get_trials(deepcopy=False))):
        # a resumed call: a sampler seeded as in the first call would draw that call's random trials again
        study.sampler = optuna.samplers.TPESampler(seed=sampler_seed(args.seed, worker, existing))
    objective = make_objective(args.config, space, args.metric, args.seeds, extra, args.wandb, args.study_name)
    remaining = max(deadline - time.time(), 0.0) if args.timeout else None
    stop = MaxTrialsCallback(args.trials, states=(TrialState.COMPLETE, TrialState.PRUNED))
    done = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)))
    if done < args.trials and (remaining is None or remaining > 0):
        study.optimize(objective, timeout=remaining, callbacks=[stop], catch=(FloatingPointError,))


def check_metric(config: str, extra: List[str], metric: str) -> None:
    """Before any trial: trials fit without a test, so the metric must be a validation (or training) one, and a
    validation metric needs a validation split."""
    from catgan.cli import main

    if not metric.startswith(("val/", "train/")):
        raise ValueError(f"--metric {metric}: trials fit without testing; choose a val/ metric such as val/error")
    cli = main(args=["--config", config, "--trainer.logger", "false", *extra], run=False)
    if metric.startswith("val/") and cli.config.get("data.init_args.val_size", 1) == 0:
        raise ValueError(f"--metric {metric}: {config} has no validation split (val_size 0); pass its size after --")


def command_line(args: argparse.Namespace, extra: List[str]) -> str:
    """The command that repeats the study (repository-relative paths)."""
    line = ["python", "scripts/tune.py", "--config", relative(args.config), "--space", relative(args.space)]
    line += ["--metric", args.metric, "--seeds", *map(str, args.seeds), "--trials", str(args.trials)]
    line += ["--pruner", args.pruner, "--seed", str(args.seed), "--out", relative(args.out)]
    line += ["--baseline"] if args.baseline else []
    return shlex.join(line + (["--", *extra] if extra else []))


def main(argv: Optional[List[str]] = None):
    argv = sys.argv[1:] if argv is None else list(argv)
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="the base config (what `catgan fit --config` takes)")
    parser.add_argument("--space", required=True, help="the search space YAML (configs/search/<name>.yaml)")
    parser.add_argument("--metric", default="val/error", help="minimized at the end of each fit")
    parser.add_argument("--seeds", type=int, nargs="+", default=[100], help="label splits each trial averages over")
    parser.add_argument("--trials", type=int, default=20, help="finished or pruned trials the study should hold")
    parser.add_argument("--timeout", type=float, default=None, help="stop starting trials after this many seconds")
    parser.add_argument("--workers", type=int, default=1, help="processes sharing the study, one torch thread each")
    parser.add_argument("--pruner", choices=["median", "halving", "none"], default="median")
    parser.add_argument("--out", default=None, help="folder of the study (default runs/tune/<config name>)")
    parser.add_argument("--storage", default=None, help="Optuna storage URL (default sqlite:///<out>/study.db)")
    parser.add_argument("--study-name", default=None, help="default: the config's file name")
    parser.add_argument("--resume", action="store_true", help="continue the study in the storage")
    parser.add_argument("--seed", type=int, default=0, help="sampler seed (worker i uses seed + i)")
    parser.add_argument("--wandb", action="store_true", help="log each trial's fit to W&B, grouped by study")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="run the base config's own values first, as a reference trial (once per study)",
    )
    args = parser.parse_args(argv)
    for name in ("config",):
        if not os.path.exists(getattr(args, name)):
            parser.error(f"--{name} {getattr(args, name)} not found")
    if args.workers < 1 or args.trials < 1:
        parser.error("--workers and --trials must be >= 1")
    stem = os.path.splitext(os.path.basename(args.config))[0]
    args.out = args.out or os.path.join("runs", "tune", stem)
    args.study_name = args.study_name or stem
    default_db = os.path.abspath(os.path.join(args.out, "study.db"))
    if args.resume and args.storage is None and not os.path.isfile(default_db):
        parser.error(f"--resume: there is no study to continue at {default_db}; drop --resume to start one there")
    args.storage = args.storage or f"sqlite:///{default_db}"
    try:  # before anything is written
        space = load_space(args.space)
        check_space(args.config, space)
        reference = base_values(args.config, space, extra) if args.baseline else None
        check_metric(args.config, extra, args.metric)
    except (ValueError, FileNotFoundError) as error:
        parser.error(str(error))
    if not args.resume:
        os.makedirs(args.out, exist_ok=True)  # a new study's database goes there; a resumed one exists already
    study = open_study(args.storage, args.study_name, args.pruner, args.seed, resume=args.resume)
    os.makedirs(args.out, exist_ok=True)
    describe(study, args.config, args.space, args.metric, args.seeds, extra)
    if interrupted := requeue_interrupted(study):  # a resumed study, or one whose trials all failed
        print(f"tune.py: {interrupted} trial(s) left running by an interrupted call: marked FAIL and queued again")
    if reference is not None and not any(t.user_attrs.get("baseline") for t in study.get_trials(deepcopy=False)):
        study.enqueue_trial(reference, user_attrs={"baseline": True})
    sys.argv = sys.argv[:1]  # the trials' CLI reads its arguments from `args`, not from this script's
    deadline = time.time() + args.timeout if args.timeout else math.inf
    started = time.perf_counter()
    if args.workers == 1:
        try:
            run_worker(args, space, extra, 0, deadline)
        except ValueError as error:  # a trial's fit that logged no --metric: say so, not a traceback
            raise SystemExit(f"tune.py: {error}") from None
    else:
        context = mp.get_context("spawn")
        workers = [
            context.Process(target=run_worker, args=(args, space, extra, i, deadline)) for i in range(args.workers)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        if any(w.exitcode != 0 for w in workers):
            raise SystemExit(f"tune.py: a worker failed (exit codes {[w.exitcode for w in workers]})")
    study = open_study(args.storage, args.study_name, args.pruner, args.seed, resume=True)
    lines = report(study, args.config, args.out, command_line(args, extra))
    lines.insert(
        1,
        f"wall time this call: {time.perf_counter() - started:.0f} s, {args.workers} worker(s); storage {args.storage}",
    )
    print("\n".join(lines))
    return study


if __name__ == "__main__":
    main()
