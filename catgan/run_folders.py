"""Run folders and checkpoints: where ``catgan fit`` writes, and reading a run back.

A fit writes everything of one run into one folder, by default ``runs/<config name>/<date>-<time>/``
(``--run_dir DIR`` picks it):

    runs/digits_catgan/20261207-190102/
        config.yaml             the resolved config that ran
        checkpoints/last.ckpt   the newest weights (every epoch end), also the data settings
        wandb/ or metrics.csv   the logger's files

and ``runs/<config name>/latest`` points at the newest such folder, so
``runs/digits_catgan/latest/checkpoints/last.ckpt`` is the last fit of configs/digits_catgan.yaml.
A checkpoint records the model class (``catgan_model_class``) and the CLI's model and data settings
(``catgan_config``), so ``catgan predict/test/validate/sample --ckpt_path`` and
:func:`load_checkpoint_datamodule` need no config file. Heavy imports (torch) are deferred: the console
script's help imports this module.
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, List, Optional, Tuple

RUNS_ROOT = "runs"
LATEST = "latest"


def option_values(argv: List[str], option: str) -> List[str]:
    """The values given to ``option`` in ``argv`` (``--option VALUE`` and ``--option=VALUE`` forms), in order."""
    values = []
    for i, arg in enumerate(argv):
        if arg == option and i + 1 < len(argv):
            values.append(argv[i + 1])
        elif arg.startswith(option + "="):
            values.append(arg.split("=", 1)[1])
    return values


def run_folder_of(ckpt_path: str) -> str:
    """The run folder of a checkpoint: ``<run>/checkpoints/x.ckpt`` -> ``<run>``, else the checkpoint's folder (links
    such as ``latest`` resolved, so a resumed fit writes where its checkpoints are)."""
    folder = os.path.dirname(os.path.realpath(ckpt_path))
    return os.path.dirname(folder) if os.path.basename(folder) == "checkpoints" else folder


def new_run_dir(config_path: Optional[str], root: str = RUNS_ROOT, now: Optional[float] = None) -> str:
    """``<root>/<config file name without .yaml>/<YYYYmmdd-HHMMSS>`` (``catgan`` without a config); a ``-2``, ``-3``
    ... suffix when that folder exists already. Nothing is created."""
    stem = os.path.splitext(os.path.basename(config_path))[0] if config_path else "catgan"
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    path, n = os.path.join(root, stem, stamp), 1
    while os.path.exists(path):
        n += 1
        path = os.path.join(root, stem, f"{stamp}-{n}")
    return path


def planned_run_dir(argv: List[str]) -> Tuple[str, bool]:
    """The run folder of ``catgan fit <argv>`` and whether it is a new dated one: ``--run_dir``; else
    ``--trainer.default_root_dir``; else, resuming with ``--ckpt_path <run>/checkpoints/last.ckpt``, that ``<run>``;
    else a new folder (:func:`new_run_dir`), the only kind that ``latest`` points at."""
    for option in ("--run_dir", "--trainer.default_root_dir"):
        given = option_values(argv, option)
        if given:
            return given[-1], False
    resumed = option_values(argv, "--ckpt_path")
    if resumed and resumed[-1] not in ("null", "None", ""):
        return run_folder_of(resumed[-1]), False
    configs = option_values(argv, "--config")
    return new_run_dir(configs[0] if configs else None), True


def link_latest(run_dir: str) -> Optional[str]:
    """Make ``<parent>/latest`` a relative link to ``run_dir`` (replacing the old link); returns the link, or None
    where links cannot be made (the run folder is printed either way)."""
    parent, name = os.path.split(os.path.normpath(run_dir))
    link = os.path.join(parent, LATEST)
    if os.path.exists(link) and not os.path.islink(link):
        return None  # a real folder named "latest": not ours to replace
    tmp = f"{link}.{os.getpid()}.tmp"
    try:
        os.symlink(name, tmp)
        os.replace(tmp, link)
    except OSError:
        return None
    return link


def shown(path: str) -> str:
    """``path`` relative to the working folder when it lies inside it, else absolute."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    return absolute if relative.startswith("..") else relative


# ----------------------------------------------------------------------------- reading checkpoints


def read_checkpoint(ckpt_path: str) -> Dict[str, Any]:
    """The checkpoint dict (on CPU); a clear exit when the file is missing."""
    import torch

    if not os.path.isfile(ckpt_path):
        raise SystemExit(
            f"catgan: checkpoint {ckpt_path!r} not found (a fit prints its checkpoint; runs/<config name>/latest/"
            "checkpoints/last.ckpt is the newest fit of a config)."
        )
    return torch.load(ckpt_path, map_location="cpu", weights_only=False)


def load_checkpoint_model(ckpt_path: str):
    """The module saved in a catgan checkpoint, rebuilt from its own saved config (its class is recorded)."""
    import importlib

    name = read_checkpoint(ckpt_path).get("catgan_model_class")
    if not name:
        raise SystemExit(f"catgan: {ckpt_path!r} is not a catgan checkpoint (it names no catgan model class).")
    module, cls = name.rsplit(".", 1)
    return getattr(importlib.import_module(module), cls).load_from_checkpoint(
        ckpt_path, map_location="cpu", weights_only=False
    )


def checkpoint_config(ckpt_path: str) -> Optional[Dict[str, Any]]:
    """The CLI's ``{"model": ..., "data": ...}`` settings saved in a checkpoint by ``catgan fit``, or None (a
    checkpoint written outside the CLI)."""
    return read_checkpoint(ckpt_path).get("catgan_config")


def load_checkpoint_datamodule(ckpt_path: str):
    """The data module a checkpoint was trained on, built from its saved data settings (same splits and seed)."""
    import importlib

    config = checkpoint_config(ckpt_path)
    if not config or not config.get("data"):
        raise SystemExit(
            f"catgan: {ckpt_path!r} holds no data settings (it was not written by catgan fit): build the data "
            "module yourself."
        )
    module, cls = config["data"]["class_path"].rsplit(".", 1)
    return getattr(importlib.import_module(module), cls)(**config["data"].get("init_args", {}))
