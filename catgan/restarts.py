"""Several fits of one label split from different initializations (restarts), and what is made of them.

- ``select_restarts``: per split, the fit whose D has the highest mutual information between the validation
  images and its outputs, H[mean_x p(y|x)] - mean_x H[p(y|x)] (``val/marginal_entropy_real -
  val/conditional_entropy_real``): CatGAN's own objective on real data, computed without any label.
- ``screened_restarts``: every restart trains its first E epochs only (the full schedule, stopped), then per split
  only the one with the highest mutual information at epoch E trains on, from its checkpoint.
- ``ensemble_records``: the restarts of a split scored as one classifier, the mean of their class probabilities.

Restart r of split s initializes from ``seed_everything = s + 1000 r`` (``catgan.runs.RESTART_STRIDE``); the label
split stays s. These functions read and write the records of ``catgan.runs``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from typing import Any, Dict, List, Optional, Sequence

from catgan.runs import load_records, new_record_name, relative, run_configs, run_stem, write_record

ENSEMBLE_METRICS = ("val/acc", "test/acc")


def restart_groups(records: List[Dict[str, Any]]) -> List[List[Dict[str, Any]]]:
    """The records grouped per (config, seed), in seed order, each group in restart order."""
    groups: Dict[tuple, List[Dict[str, Any]]] = {}
    for record in records:
        groups.setdefault((os.path.normpath(record["config"]), int(record["seed"])), []).append(record)
    return [sorted(groups[key], key=lambda r: r.get("restart", 0)) for key in sorted(groups)]


def mutual_information(record: Dict[str, Any]) -> float:
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


def restart_summary(group: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [
        {
            "restart": r.get("restart", 0),
            "init_seed": r.get("init_seed", r["seed"]),
            "mutual_information": mutual_information(r),
            "metrics": r["metrics"],
        }
        for r in group
    ]


def select_restarts(records: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Per (config, seed), the restart with the highest ``mutual_information``; the kept record lists all of
    them under ``restarts`` (restart, init seed, mutual information, metrics). Seeds without restarts pass."""
    kept = []
    for group in restart_groups(records):
        selected = [r for r in group if "selected_at_epoch" in r]  # screened_restarts chose already, at that epoch
        if selected:
            kept.append(selected[-1])
        elif len(group) == 1:
            kept.append(group[0])
        else:
            kept.append(dict(max(group, key=mutual_information), restarts=restart_summary(group)))
    return kept


def screened_restarts(
    config: str,
    seeds: Sequence[int],
    restarts: int,
    epoch: int,
    run: Dict[str, Any],
    workers: int = 1,
) -> List[Dict[str, Any]]:
    """Every restart trains its first ``epoch`` epochs (the full run's schedule, stopped by
    ``catgan.stopping.StopAfterEpoch``), then per seed only the one whose D has the highest mutual information on
    the validation images at that epoch goes on to the end, resumed from its checkpoint. ``run`` holds the other
    ``run_config`` arguments (overrides, metric, out_dir, run_dir, curve, logger). Screening records already in
    ``out_dir`` are reused, so the same call resumes; the final record lists every restart at ``epoch``."""
    out_dir = run["out_dir"]
    done = {
        (int(r["seed"]), int(r.get("restart", 0))): r
        for r in load_records(out_dir, config, where=lambda r: r.get("stopped_after_epoch") == epoch)
    }
    with contextlib.ExitStack() as stack:
        run = dict(run, run_dir=run.get("run_dir") or stack.enter_context(tempfile.TemporaryDirectory()))
        jobs = [
            dict(run, config=config, seed=seed, restart=restart, stop_after=epoch)
            for seed in seeds
            for restart in range(restarts)
            if (seed, restart) not in done
        ]
        reused = [done[(s, r)] for s in seeds for r in range(restarts) if (s, r) in done]
        finals = []
        for group in restart_groups(reused + run_configs(jobs, workers)):
            best = max(group, key=mutual_information)
            annotate = {"selected_at_epoch": epoch, "restarts": restart_summary(group)}
            finals.append(
                dict(run, config=config, seed=best["seed"], restart=best.get("restart", 0), annotate=annotate)
            )
        return run_configs(finals, workers)


def ensemble_records(
    records: List[Dict[str, Any]], out_dir: str, command: Optional[str] = None
) -> List[Dict[str, Any]]:
    """Per (config, seed), one record scoring the mean class probabilities of its restarts (saved beside their
    records, ``probs_file``): ``val/acc`` and ``test/acc`` of the ensemble, its members' metrics under ``members``.
    Written to ``out_dir``; ``command`` is the command line that repeats the ensemble."""
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
        record = {key: first[key] for key in ("config", "config_sha", "overrides", "seed") if key in first}
        record.update(
            ensemble=len(group),
            metric=first["metric"],
            error=1.0 - metrics[first["metric"]] if first["metric"] in metrics else None,
            metrics=metrics,
            members=[
                {"restart": r.get("restart", 0), "init_seed": r.get("init_seed", r["seed"]), "metrics": r["metrics"]}
                for r in group
            ],
            epochs=first["epochs"],
            optimizer_steps=sum(r["optimizer_steps"] for r in group),
            fit_seconds=round(sum(r["fit_seconds"] for r in group), 2),
            total_seconds=round(sum(r["total_seconds"] for r in group), 2),
            date=time.strftime("%Y-%m-%d %H:%M:%S"),
        )
        for key in ("versions", "resolved_config"):
            if key in first:
                record[key] = first[key]
        if command:
            record["command"] = command
        stem = f"{run_stem(relative(first['config']), first['seed'])}_ensemble{len(group)}"
        write_record(record, out_dir, new_record_name(out_dir, stem))
        ensembles.append(record)
    return ensembles
