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
- At the end: the top trials, parameter importances (Optuna's fANOVA) and ``<out>/best.yaml``, the base
  config with the best values, which runs as ``catgan fit --config <out>/best.yaml``. ``--baseline``
  runs the base config's own values first, as a reference trial (``catgan.search.base_values``).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from typing import Any, Dict, List, Optional

from catgan.search import (
    base_values,
    check_space,
    decode_choice,
    load_space,
    override_args,
    suggest,
    trial_values,
    write_best_config,
)

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
        from catgan.cli import main, split_run_args

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
                cli.trainer.callbacks.append(pruning_callback(trial, metric, index * max_epochs))
                cli.trainer.fit(cli.model, datamodule=cli.datamodule)
            value = metric_value(cli.trainer.callback_metrics, metric)
            if value is None:
                raise ValueError(
                    f"the fit logged no {metric!r}; choose --metric among "
                    f"{sorted(k for k in cli.trainer.callback_metrics if k.startswith('val/'))}"
                )
            scores.append(value)
            trial.set_user_attr(f"seed{seed}", value)
        trial.set_user_attr("epochs", int(cli.trainer.current_epoch))
        return statistics.mean(scores)

    return objective


def make_pruner(name: str):
    import optuna

    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=1)
    if name == "halving":
        return optuna.pruners.SuccessiveHalvingPruner()
    return optuna.pruners.NopPruner()


def open_study(storage: str, name: str, pruner: str, seed: Optional[int], resume: bool, create: bool = True):
    import optuna

    sampler = optuna.samplers.TPESampler(seed=seed)
    if not resume and create:
        try:
            return optuna.create_study(
                storage=storage, study_name=name, direction="minimize", sampler=sampler, pruner=make_pruner(pruner)
            )
        except optuna.exceptions.DuplicatedStudyError:
            raise SystemExit(
                f"tune.py: study {name!r} already exists in {storage}: pass --resume to continue it, "
                "or choose another --study-name / --out"
            ) from None
    try:
        return optuna.load_study(storage=storage, study_name=name, sampler=sampler, pruner=make_pruner(pruner))
    except KeyError:  # optuna's "Record does not exist."
        raise SystemExit(
            f"tune.py: no study {name!r} in {storage} to continue: drop --resume to start it, or check "
            "--study-name / --storage"
        ) from None


def sampler_seed(seed: Optional[int], worker: int, existing: Optional[int]) -> Optional[int]:
    """The sampler seed of one worker: ``seed + worker`` in a new study; in a call that continues a study of
    ``existing`` trials, a seed of its own (deterministic, and different from every earlier call's)."""
    if seed is None:
        return None
    return seed + worker + (7919 * existing if existing else 0)


def requeue_interrupted(study) -> int:
    """Trials that a killed tune.py left RUNNING (``--resume`` assumes no other tune.py works on the study
    then): marked FAIL and queued again with the same values, so an interrupted trial (the baseline
    included, which stays marked as such) runs again instead of blocking the study. Returns their number."""
    from optuna.trial import TrialState

    stale = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    for t in stale:
        study.tell(t.number, state=TrialState.FAIL)
        values = t.params or t.system_attrs.get("fixed_params", {})  # an enqueued trial killed before it sampled
        study.enqueue_trial(values, user_attrs={k: v for k, v in t.user_attrs.items() if k == "baseline"})
    return len(stale)


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


def format_params(params: Dict[str, Any], short: bool = False) -> str:
    def name(key: str) -> str:
        return key.rsplit(".", 1)[-1] if short else key

    return " ".join(
        f"{name(k)}={v:.4g}" if isinstance(v, float) else f"{name(k)}={decode_choice(v)}" for k, v in params.items()
    )


def report(study, config: str, out: str, top: int = 5) -> List[str]:
    """The summary lines: counts, top trials, importances; writes ``<out>/best.yaml``."""
    import optuna
    from optuna.trial import TrialState

    finished = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    pruned = study.get_trials(deepcopy=False, states=(TrialState.PRUNED,))
    lines = [f"study {study.study_name!r}: {len(finished)} complete, {len(pruned)} pruned trials"]
    if not finished:
        return lines + ["no complete trial yet: nothing to write"]
    best = study.best_trial
    lines.append(f"best trial #{best.number}: {best.value:.4f}  {format_params(best.params)}")
    lines.append("top trials:")
    ranked = sorted(finished, key=lambda t: t.value)
    for rank, t in enumerate(ranked):
        baseline = t.user_attrs.get("baseline", False)
        if rank < top or baseline:
            tag = f"  (the base config, rank {rank + 1} of {len(ranked)})" if baseline else ""
            lines.append(f"  #{t.number:<4} {t.value:.4f}  {format_params(t.params, short=True)}{tag}")
    space = load_space(study.user_attrs["space"]) if "space" in study.user_attrs else {}
    values = trial_values(best.params, space)
    path = write_best_config(
        config, values, os.path.join(out, "best.yaml"), study.study_name, best.value, study.user_attrs.get("extra")
    )
    lines.append(f"best config: {path}")
    if len(finished) >= 2 and len(best.params) > 1:
        try:
            importances = optuna.importance.get_param_importances(
                study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0)
            )
            lines.append("importance (fANOVA):")
            lines += [f"  {v:6.3f}  {k}" for k, v in importances.items()]
        except (RuntimeError, ValueError) as error:  # e.g. every trial had the same values
            lines.append(f"importance: not computable yet ({error})")
    return lines


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
    except (ValueError, FileNotFoundError) as error:
        parser.error(str(error))
    if not args.resume:
        os.makedirs(args.out, exist_ok=True)  # a new study's database goes there; a resumed one exists already
    study = open_study(args.storage, args.study_name, args.pruner, args.seed, resume=args.resume)
    os.makedirs(args.out, exist_ok=True)
    study.set_user_attr("space", os.path.abspath(args.space))
    study.set_user_attr("config", os.path.abspath(args.config))
    study.set_user_attr("extra", extra)
    if args.resume and (interrupted := requeue_interrupted(study)):
        print(f"tune.py: {interrupted} trial(s) left running by an interrupted call: marked FAIL and queued again")
    if reference is not None and not any(t.user_attrs.get("baseline") for t in study.get_trials(deepcopy=False)):
        study.enqueue_trial(reference, user_attrs={"baseline": True})
    sys.argv = sys.argv[:1]  # the trials' CLI reads its arguments from `args`, not from this script's
    deadline = time.time() + args.timeout if args.timeout else math.inf
    started = time.perf_counter()
    if args.workers == 1:
        run_worker(args, space, extra, 0, deadline)
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
    lines = report(study, args.config, args.out)
    lines.insert(
        1,
        f"wall time this call: {time.perf_counter() - started:.0f} s, {args.workers} worker(s); storage {args.storage}",
    )
    print("\n".join(lines))
    return study


if __name__ == "__main__":
    main()
