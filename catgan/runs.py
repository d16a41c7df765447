"""One scripted fit of a config on one label split, and the JSON record that says what ran.

``run_config`` fits a config through the in-process ``catgan`` CLI with a label split ``seed`` (set in both
``seed_everything`` and ``data.init_args.seed``; a restart changes only the initialization), tests the final
weights and returns a self-contained record, written to ``out_dir`` when given::

    {"config": "configs/digits_catgan.yaml", "config_sha": "<git blob hash of the file as run>",
     "resolved_config": {...}, "overrides": [...], "seed": 3, "metric": "test/acc", "error": 0.031,
     "metrics": {"val/acc": ..., "test/acc": ...}, "epochs": 200, "optimizer_steps": 48000,
     "fit_seconds": ..., "train_cpu_seconds": ..., "total_seconds": ..., "date": "2026-12-07 19:00:00",
     "versions": {"torch": ..., "lightning": ..., "catgan": "<git commit>"},
     "command": "catgan fit --config configs/digits_catgan.yaml --seed_everything 3 --data.init_args.seed 3 ...",
     "curve": [...]}

Paths in a record are relative to the repository root; a run folder outside the repository (a temporary one, or
``--run-dir`` elsewhere) appears as ``<run_dir>``, so no machine path is kept. scripts/reproduce.py,
compare.py and sample_quality.py write these records; ``load_records`` reads a folder of them back.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shlex
import subprocess
import tempfile
import time
from typing import Any, Dict, Iterable, List, Optional, Sequence

RESTART_STRIDE = 1000  # restart r of split s initializes from seed_everything = s + 1000 r


@functools.lru_cache(maxsize=1)
def repo_root() -> str:
    """The repository this package was loaded from (its git work tree), else the current folder."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return here if os.path.exists(os.path.join(here, "pyproject.toml")) else os.getcwd()


def inside_repo(path: str) -> bool:
    return os.path.commonpath([os.path.abspath(path), repo_root()]) == repo_root()


def relative(path: str) -> str:
    """``path`` relative to the repository root (how records name files); a path outside it stays as given
    when it was relative, else becomes relative to the root too (``../...``), so no machine prefix is kept."""
    path = str(path)
    if not inside_repo(path) and not os.path.isabs(path):
        return os.path.normpath(path)
    return os.path.relpath(os.path.abspath(path), repo_root())


def blob_sha(text: bytes) -> str:
    """The git blob hash of a file's bytes (what ``git hash-object FILE`` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(text) + text).hexdigest()


def config_sha(path: str) -> str:
    with open(path, "rb") as f:
        return blob_sha(f.read())


@functools.lru_cache(maxsize=1)
def versions() -> Dict[str, str]:
    """torch, lightning and the catgan git commit (``+modified`` when tracked files differ from it)."""
    import lightning
    import torch

    found = {"torch": torch.__version__, "lightning": lightning.__version__}
    git = ["git", "-C", repo_root()]
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(git + ["rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        if commit.returncode == 0:
            changed = subprocess.run(
                git + ["status", "--porcelain", "-uno"], capture_output=True, text=True, timeout=30
            )
            found["catgan"] = commit.stdout.strip() + ("+modified" if changed.stdout.strip() else "")
    return found


def split_run_args(config: str, seed: int, run_dir: str) -> List[str]:
    """CLI arguments for one scripted fit of ``config`` on label split ``seed`` (``seed_everything`` and
    ``data.seed``), quiet (no progress bar or model summary), its outputs under ``run_dir``."""
    return [
        "--config",
        config,
        "--seed_everything",
        str(seed),
        "--data.init_args.seed",
        str(seed),
        "--trainer.enable_progress_bar",
        "false",
        "--trainer.enable_model_summary",
        "false",
        "--checkpoint.dirpath",
        os.path.join(run_dir, "ckpt"),
        "--trainer.default_root_dir",
        run_dir,
    ]


def held_out_data(config: str, extra: List[str], split: str, script: str):
    """For scripts that score a checkpoint: the data module of ``config`` (plus ``catgan fit`` arguments ``extra``),
    prepared and set up, and its ``split`` ("val" or "test") images and labels; a clear exit when that split is
    empty. Returns (datamodule, x, y)."""
    from catgan.cli import main

    cli = main(["--config", config, "--trainer.logger", "false", *extra], run=False)
    data = cli.datamodule
    data.prepare_data()
    data.setup("fit")
    x, y = getattr(data.splits, f"{split}_x"), getattr(data.splits, f"{split}_y")
    if x.shape[0] == 0:
        raise SystemExit(f"{script}: the {split} split is empty (val_size 0?): pass its size after --.")
    return data, x, y


def run_stem(config: str, seed: int, restart: int = 0) -> str:
    """``<config name>_seed<seed>[_restart<r>]``: how a run's files are named."""
    name = os.path.splitext(os.path.basename(config))[0]
    return f"{name}_seed{seed}" + (f"_restart{restart}" if restart else "")


def fit_command(config: str, seed: int, overrides: Sequence[str], init_seed: Optional[int] = None) -> str:
    """The ``catgan fit`` command line that repeats a fit (repository-relative config)."""
    args = [
        "catgan",
        "fit",
        "--config",
        relative(config),
        "--seed_everything",
        str(seed if init_seed is None else init_seed),
    ]
    return shlex.join(args + ["--data.init_args.seed", str(seed), *overrides])


def without_paths(value: Any, replace: Dict[str, str]) -> Any:
    """``value`` (JSON data) with each absolute folder in ``replace`` swapped for its stand-in and other paths in the
    repository made relative to its root."""
    if isinstance(value, dict):
        return {k: without_paths(v, replace) for k, v in value.items()}
    if isinstance(value, list):
        return [without_paths(v, replace) for v in value]
    if isinstance(value, str) and os.path.isabs(value):
        for folder, stand_in in replace.items():
            if value == folder or value.startswith(folder + os.sep):
                return stand_in + value[len(folder) :]
        return relative(value)
    return value


def resolved_config(cli, replace: Dict[str, str]) -> Dict[str, Any]:
    """What the CLI ran: every argument after the config files and overrides were applied, as JSON data."""
    config = cli.config[cli.subcommand] if getattr(cli, "subcommand", None) else cli.config
    resolved = json.loads(json.dumps(config.as_dict(), default=str))
    for key in ("config", "prediction_writer", "predict_input"):  # the config path is in the record already
        resolved.pop(key, None)
    return without_paths(resolved, replace)


def fit_split(
    config: str,
    seed: int,
    overrides: Sequence[str] = (),
    metric: str = "test/acc",
    run_dir: Optional[str] = None,
    curve_path: Optional[str] = None,
    restart: int = 0,
    stop_after: Optional[int] = None,
    logger: bool = False,
):
    """Fit ``config`` on label split ``seed`` (and test it); returns ``(record, cli)``. ``run_dir`` keeps the run
    folder (checkpoints in ``<run_dir>/ckpt``) and resumes from its ``last.ckpt``; ``curve_path`` writes the
    learning curve there after every epoch (``catgan.curves.LearningCurve``) and puts it into the record;
    ``restart`` r initializes from ``seed + 1000 r``; ``stop_after`` E stops after E epochs of the same schedule
    (``catgan.stopping.StopAfterEpoch``)."""
    from catgan.cli import main

    init_seed = seed + RESTART_STRIDE * restart if restart else None
    recorded: List[str] = []  # what changes the fit besides the overrides, for the command line in the record
    if stop_after:
        recorded += [
            "--trainer.callbacks+=catgan.stopping.StopAfterEpoch",
            "--trainer.callbacks.epochs",
            str(stop_after),
        ]
    resumed_from = None
    with contextlib.ExitStack() as stack:
        folder = run_dir or stack.enter_context(tempfile.TemporaryDirectory())
        args = ["fit"] + split_run_args(config, seed, folder) + recorded
        if init_seed is not None:  # another initialization, the same label split
            args += ["--seed_everything", str(init_seed)]
        last = os.path.join(folder, "ckpt", "last.ckpt")
        if run_dir and os.path.isfile(last):
            resumed_from = last
            args += ["--ckpt_path", last]
        if not logger:
            args += ["--trainer.logger", "false"]
        if curve_path:
            args += ["--trainer.callbacks+=catgan.curves.LearningCurve", "--trainer.callbacks.path", curve_path]
        ran = {
            "config_sha": config_sha(config),
            "versions": versions(),
        }  # as the fit starts: files may change meanwhile
        started = time.perf_counter()
        cli = main(args=args + list(overrides))
        total = time.perf_counter() - started
        kept = run_dir is not None and inside_repo(folder)  # a kept folder in the repository is named; others not
        replace = {os.path.abspath(folder): relative(folder) if kept else "<run_dir>"}
        if curve_path and not inside_repo(curve_path):  # e.g. a temporary folder: named by what it is
            replace[os.path.dirname(os.path.abspath(curve_path))] = "<curve_dir>"
        resolved = resolved_config(cli, replace)
    metrics = {k: v for k, v in getattr(cli, "fit_metrics", {}).items() if k.startswith("val/")}
    metrics.update({k: float(v) for k, v in cli.trainer.callback_metrics.items() if k.startswith(("val/", "test/"))})
    rows: List[Dict[str, Any]] = []
    if curve_path:
        with open(curve_path) as f:
            rows = json.load(f)["epochs"]
    validated = [r for r in rows if any(name.startswith("val/") for name in r)]
    if validated:  # a run resumed after it had finished trains no epoch: its validation numbers are the curve's
        metrics.update({k: v for k, v in validated[-1].items() if k.startswith("val/") and k not in metrics})
    record: Dict[str, Any] = {
        "config": relative(config),
        "config_sha": ran["config_sha"],
        "overrides": list(overrides),
        "seed": seed,
    }
    if init_seed is not None:
        record.update(restart=restart, init_seed=init_seed)
    record.update(
        metric=metric,
        error=1.0 - metrics[metric] if metric in metrics else None,
        metrics=metrics,
        epochs=cli.trainer.current_epoch,
        optimizer_steps=cli.trainer.global_step,
        fit_seconds=round(getattr(cli, "fit_seconds", float("nan")), 2),
        total_seconds=round(total, 2),
    )
    if rows:
        record["train_seconds"] = rows[-1]["seconds"]  # of all parts of a resumed run together
        if "cpu_seconds" in rows[-1]:  # the process's CPU time: with one thread, the core time the run used
            record["train_cpu_seconds"] = rows[-1]["cpu_seconds"]
    record.update(
        date=time.strftime("%Y-%m-%d %H:%M:%S"),
        versions=ran["versions"],
        command=fit_command(config, seed, [*recorded, *overrides], init_seed),
        resolved_config=resolved,
    )
    if resumed_from:
        record["resumed_from"] = without_paths(os.path.abspath(resumed_from), replace)
    if stop_after:
        record["stopped_after_epoch"] = stop_after
    if curve_path:
        record["curve"] = rows
    return record, cli


def run_config(
    config: str,
    seed: int,
    overrides: Sequence[str] = (),
    metric: str = "test/acc",
    out_dir: Optional[str] = None,
    run_dir: Optional[str] = None,
    curve: bool = False,
    restart: int = 0,
    stop_after: Optional[int] = None,
    logger: bool = False,
    annotate: Optional[Dict[str, Any]] = None,
    probs: bool = False,
) -> Dict[str, Any]:
    """``fit_split`` and its record written to ``out_dir`` (when given) as ``<stem>_<unix time>.json``; the curve
    goes to ``<out_dir>/<stem>_curve.json`` while the run trains (so a stopped run leaves it). ``run_dir`` is a
    parent folder here: the run's own is ``<run_dir>/<stem>``. ``annotate`` adds fields; ``probs`` saves the final
    classifier's class probabilities on the validation and test images beside the record (``<stem>_probs.pt``,
    named in it as ``probs_file``), which ``catgan.restarts.ensemble_records`` averages."""
    stem = run_stem(config, seed, restart)
    with contextlib.ExitStack() as stack:
        curve_folder = out_dir or stack.enter_context(tempfile.TemporaryDirectory())
        if curve and out_dir:
            os.makedirs(out_dir, exist_ok=True)
        record, cli = fit_split(
            config,
            seed,
            overrides,
            metric,
            run_dir=os.path.join(run_dir, stem) if run_dir else None,
            curve_path=os.path.join(curve_folder, f"{stem}_curve.json") if curve else None,
            restart=restart,
            stop_after=stop_after,
            logger=logger,
        )
    record.update(annotate or {})
    if probs:
        if not out_dir:
            raise ValueError("run_config(probs=True) saves the probabilities beside the record: give out_dir")
        record["probs_file"] = f"{stem}_probs.pt"
        save_class_probabilities(cli, os.path.join(out_dir, record["probs_file"]))
    if out_dir:
        write_record(record, out_dir, new_record_name(out_dir, stem))
    return record


def save_class_probabilities(cli, path: str) -> None:
    """The trained model's class probabilities and labels on the validation and test images (those it has)."""
    import torch

    from catgan.ensembles import class_probabilities

    saved = {}
    for stage in ("val", "test"):
        loader = getattr(cli.datamodule, f"{stage}_dataloader")()
        if len(loader) > 0:
            saved[stage] = class_probabilities(cli.model, loader)  # ((N, K), (N,))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    torch.save(saved, path)


def _run_in_worker(job: Dict[str, Any]) -> Dict[str, Any]:
    import sys

    import torch

    torch.set_num_threads(1)
    sys.argv = sys.argv[:1]  # the CLI reads its arguments from `args`, not from the script's command line
    return run_config(**job)


def run_configs(jobs: List[Dict[str, Any]], workers: int = 1) -> List[Dict[str, Any]]:
    """``run_config(**job)`` for each job, ``workers`` at a time in separate processes (in order when 1), each with
    one torch thread."""
    if workers <= 1 or len(jobs) <= 1:
        return [run_config(**job) for job in jobs]
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    os.environ.setdefault("OMP_NUM_THREADS", "1")  # inherited by the spawned workers
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
        return list(pool.map(_run_in_worker, jobs))


def dumps(record: Dict[str, Any]) -> str:
    """A record as JSON text: one field per line, each curve row and list of members on one line of its own."""
    lines = []
    for key, value in record.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            rows = ",\n".join("    " + json.dumps(v) for v in value)
            lines.append(f"  {json.dumps(key)}: [\n{rows}\n  ]")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def new_record_name(out_dir: str, stem: str) -> str:
    """``<stem>_<unix time>.json``, or ``<stem>_<unix time>_2.json``, ... where a record written within the same
    second already has that name (it would otherwise be replaced)."""
    name = f"{stem}_{int(time.time())}"
    candidate, copy = f"{name}.json", 1
    while os.path.exists(os.path.join(out_dir, candidate)):
        copy += 1
        candidate = f"{name}_{copy}.json"
    return candidate


def write_record(record: Dict[str, Any], out_dir: str, name: str) -> str:
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    with open(path + ".part", "w") as f:
        f.write(dumps(record))
    os.replace(path + ".part", path)  # a record is whole or absent
    return path


def same_config(a: str, b: str) -> bool:
    return os.path.normpath(relative(a)) == os.path.normpath(relative(b))


def load_records(
    out_dir: str, config: Optional[str] = None, ensembles: bool = False, where=None
) -> List[Dict[str, Any]]:
    """The run records in ``out_dir`` (of ``config`` only, when given; only those ``where`` accepts, when given),
    the newest one per config, seed and restart, ordered by seed; with ``ensembles`` the ensemble records
    instead of the single fits. Lets seeds run as separate processes and be summarized later."""
    newest: Dict[tuple, Dict[str, Any]] = {}
    for record in read_folder(out_dir):
        if config is not None and not same_config(record["config"], config):
            continue
        if ("ensemble" in record) != ensembles or (where is not None and not where(record)):
            continue
        key = (record["config"], int(record["seed"]), int(record.get("restart", 0)))
        if key not in newest or record.get("date", "") >= newest[key].get("date", ""):
            newest[key] = record
    return [newest[key] for key in sorted(newest)]


def read_folder(folder: str) -> Iterable[Dict[str, Any]]:
    """Every run record (a JSON file with a seed and metrics, not a curve) directly in ``folder``."""
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if not name.endswith(".json") or name.endswith("_curve.json"):
            continue
        with open(os.path.join(folder, name)) as f:
            record = json.load(f)
        if isinstance(record, dict) and "seed" in record and "metrics" in record:
            yield record
