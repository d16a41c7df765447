"""Optuna studies of catgan configs (what ``scripts/tune.py`` runs): opening a study in its storage, trials left
running by a killed call, and what a study leaves in its folder: the summary lines, ``best.yaml``,
``importances.json`` (fANOVA, with the number of trials behind it) and ``study.json``, the study's record (config
and its git blob hash, search space, metric, seeds, overrides, command, every trial with its values per epoch).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, Dict, List, Optional

from catgan.runs import config_sha, relative, versions
from catgan.search import decode_choice, load_space, trial_values, write_best_config

FEW_TRIALS = 20  # below this many complete trials, fANOVA importances are printed with a caveat


def make_pruner(name: str):
    import optuna

    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=1)
    if name == "halving":
        return optuna.pruners.SuccessiveHalvingPruner()
    return optuna.pruners.NopPruner()


def finished_trials(study) -> list:
    from optuna.trial import TrialState

    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))


def open_study(storage: str, name: str, pruner: str, seed: Optional[int], resume: bool, create: bool = True):
    """The study ``name`` in ``storage``: created unless ``resume``. A study that exists but holds no finished
    trial (its first trial failed, e.g. on a metric the fit did not log) is continued instead of refused, so the
    corrected command runs in the same folder."""
    import optuna

    sampler = optuna.samplers.TPESampler(seed=seed)
    if not resume and create:
        try:
            return optuna.create_study(
                storage=storage, study_name=name, direction="minimize", sampler=sampler, pruner=make_pruner(pruner)
            )
        except optuna.exceptions.DuplicatedStudyError:
            study = optuna.load_study(storage=storage, study_name=name, sampler=sampler, pruner=make_pruner(pruner))
            if finished_trials(study):
                raise SystemExit(
                    f"tune.py: study {name!r} already exists in {storage}: pass --resume to continue it, "
                    "or choose another --study-name / --out"
                ) from None
            print(f"tune.py: study {name!r} holds no finished trial yet: continuing it")
            return study
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


def format_params(params: Dict[str, Any], short: bool = False) -> str:
    def name(key: str) -> str:
        return key.rsplit(".", 1)[-1] if short else key

    return " ".join(
        f"{name(k)}={v:.4g}" if isinstance(v, float) else f"{name(k)}={decode_choice(v)}" for k, v in params.items()
    )


def importances(study) -> Dict[str, Any]:
    """fANOVA importances of the sampled keys (seeded evaluator) with the number of complete trials behind them;
    ``{"error": ...}`` when they cannot be computed (fewer than two complete trials, every trial alike)."""
    import optuna
    from optuna.trial import TrialState

    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    found: Dict[str, Any] = {"evaluator": "fANOVA (optuna, seed 0)", "complete_trials": len(complete)}
    if len(complete) < 2:
        return dict(found, error="fewer than two complete trials")
    try:
        values = optuna.importance.get_param_importances(
            study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0)
        )
    except (RuntimeError, ValueError) as error:  # e.g. every trial had the same values
        return dict(found, error=str(error))
    return dict(found, importances={k: round(float(v), 4) for k, v in values.items()})


def study_record(study, command: str, importance: Dict[str, Any]) -> Dict[str, Any]:
    """The study as data: what it searched and how, every trial (state, value, params, per-split values, the
    value reported after each validation), the best trial and the importances."""
    attrs = study.user_attrs
    trials = []
    for t in study.get_trials(deepcopy=False):
        trials.append(
            {
                "number": t.number,
                "state": t.state.name,
                "value": t.value,
                "params": t.params,
                "user_attrs": t.user_attrs,
                "intermediate_values": {str(k): v for k, v in sorted(t.intermediate_values.items())},
                "seconds": round(t.duration.total_seconds(), 1) if t.duration else None,
            }
        )
    complete = [t for t in trials if t["state"] == "COMPLETE"]
    best = min(complete, key=lambda t: t["value"]) if complete else None
    return {
        "study": study.study_name,
        "config": attrs.get("config"),
        "config_sha": attrs.get("config_sha"),
        "space": attrs.get("space"),
        "space_spec": attrs.get("space_spec"),
        "metric": attrs.get("metric"),
        "seeds": attrs.get("seeds"),
        "overrides": attrs.get("extra", []),
        "command": command,
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "versions": versions(),
        "best": {k: best[k] for k in ("number", "value", "params")} if best else None,
        "importances": importance,
        "trials": trials,
    }


def describe(study, config: str, space_path: str, metric: str, seeds: List[int], extra: List[str]) -> None:
    """Store what the study searches in its user attributes (repository-relative paths)."""
    study.set_user_attr("config", relative(config))
    study.set_user_attr("config_sha", config_sha(config))
    study.set_user_attr("space", relative(space_path))
    study.set_user_attr("space_spec", load_space(space_path))
    study.set_user_attr("metric", metric)
    study.set_user_attr("seeds", list(seeds))
    study.set_user_attr("extra", list(extra))


def report(study, config: str, out: str, command: str = "", top: int = 5) -> List[str]:
    """The summary lines: counts, top trials, importances (with a caveat below ``FEW_TRIALS`` complete trials);
    writes ``<out>/best.yaml``, ``<out>/importances.json`` and ``<out>/study.json``."""
    from optuna.trial import TrialState

    finished = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    pruned = study.get_trials(deepcopy=False, states=(TrialState.PRUNED,))
    lines = [f"study {study.study_name!r}: {len(finished)} complete, {len(pruned)} pruned trials"]
    importance = importances(study)
    write_json(os.path.join(out, "study.json"), study_record(study, command, importance))
    if not finished:
        return lines + [f"no complete trial yet: only {out}/study.json written"]
    best = study.best_trial
    lines.append(f"best trial #{best.number}: {best.value:.4f}  {format_params(best.params)}")
    lines.append("top trials:")
    ranked = sorted(finished, key=lambda t: t.value)
    for rank, t in enumerate(ranked):
        baseline = t.user_attrs.get("baseline", False)
        if rank < top or baseline:
            tag = f"  (the base config, rank {rank + 1} of {len(ranked)})" if baseline else ""
            lines.append(f"  #{t.number:<4} {t.value:.4f}  {format_params(t.params, short=True)}{tag}")
    space = study.user_attrs.get("space_spec") or {}
    values = trial_values(best.params, space)
    path = write_best_config(
        config, values, os.path.join(out, "best.yaml"), study.study_name, best.value, study.user_attrs.get("extra")
    )
    lines.append(f"best config: {path}")
    if len(best.params) > 1:
        write_json(os.path.join(out, "importances.json"), importance)
        if "importances" in importance:
            n = importance["complete_trials"]
            caveat = f"; with under {FEW_TRIALS} trials the ranking is not stable" if n < FEW_TRIALS else ""
            lines.append(f"importance (fANOVA, {n} complete trials{caveat}; {out}/importances.json):")
            lines += [f"  {v:6.3f}  {k}" for k, v in importance["importances"].items()]
        else:
            lines.append(f"importance: not computable yet ({importance['error']})")
    return lines


def write_json(path: str, data: Dict[str, Any]) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + ".part", "w") as f:
        json.dump(data, f, indent=1)
    os.replace(path + ".part", path)
