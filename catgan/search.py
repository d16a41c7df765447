"""Search spaces for Optuna studies of catgan configs (what ``scripts/tune.py`` samples).

A space is a small YAML file of CLI keys (``configs/search/<name>.yaml``), each with a ``float`` / ``int``
range or ``categorical`` choices, or ``same_as: <other key>``. Here: loading and checking a space,
sampling one trial's values, turning values into CLI overrides, the base config's own values (a reference
trial), and writing the best values back into a config file.
"""

from __future__ import annotations

import copy
import os
import time
from typing import Any, Dict, List, Optional, Sequence

import yaml

KINDS = ("float", "int", "categorical")


def load_space(path: str) -> Dict[str, Dict[str, Any]]:
    """The search space ``{cli_key: spec}``, with each spec checked for a known type and its fields."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"search space {path} not found")
    with open(path) as f:
        space = yaml.safe_load(f) or {}
    if not isinstance(space, dict) or not space:
        raise ValueError(
            f"{path}: expected a mapping of CLI keys to specs, e.g. "
            "'model.init_args.lr_d: {type: float, low: 1.0e-4, high: 1.0e-2, log: true}'"
        )
    for key, spec in space.items():
        if not isinstance(spec, dict):
            raise ValueError(f"{path}: the spec of {key!r} must be a mapping, got {spec!r}")
        if "same_as" in spec:
            if spec["same_as"] not in space or "same_as" in space[spec["same_as"]]:
                raise ValueError(
                    f"{path}: {key!r} is same_as {spec['same_as']!r}, which is not a sampled key of the space"
                )
            continue
        kind = spec.get("type")
        if kind not in KINDS:
            raise ValueError(f"{path}: {key!r} has type {kind!r}; use one of {', '.join(KINDS)}")
        if kind == "categorical":
            if not spec.get("choices"):
                raise ValueError(f"{path}: {key!r} is categorical but lists no choices")
        elif "low" not in spec or "high" not in spec or not spec["low"] < spec["high"]:
            raise ValueError(f"{path}: {key!r} needs low < high, got low={spec.get('low')} high={spec.get('high')}")
    return space


def suggest(trial, space: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    """One value per key of the space, sampled by the trial (``same_as`` keys copy another key's value)."""
    values: Dict[str, Any] = {}
    for key, spec in space.items():
        if "same_as" in spec:
            continue
        if spec["type"] == "float":
            values[key] = trial.suggest_float(
                key, float(spec["low"]), float(spec["high"]), log=bool(spec.get("log")), step=spec.get("step")
            )
        elif spec["type"] == "int":
            values[key] = trial.suggest_int(
                key, int(spec["low"]), int(spec["high"]), log=bool(spec.get("log")), step=int(spec.get("step", 1))
            )
        else:  # Optuna stores scalars: a list choice travels as its YAML text
            values[key] = decode_choice(trial.suggest_categorical(key, [encode_choice(c) for c in spec["choices"]]))
    for key, spec in space.items():
        if "same_as" in spec:
            values[key] = values[spec["same_as"]]
    return values


def encode_choice(choice: Any) -> Any:
    return (
        choice
        if choice is None or isinstance(choice, (bool, int, float, str))
        else "yaml:" + yaml.safe_dump(choice, default_flow_style=True).strip()
    )


def decode_choice(value: Any) -> Any:
    return yaml.safe_load(value[5:]) if isinstance(value, str) and value.startswith("yaml:") else value


def trial_values(params: Dict[str, Any], space: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    """A trial's CLI values from its stored params (list choices decoded, ``same_as`` keys filled in)."""
    values = {k: decode_choice(v) for k, v in params.items()}
    values.update({k: values[s["same_as"]] for k, s in space.items() if "same_as" in s and s["same_as"] in values})
    return values


def smallest_values(space: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    values = {k: (s["choices"][0] if s["type"] == "categorical" else s["low"]) for k, s in space.items() if "type" in s}
    values.update({k: values[s["same_as"]] for k, s in space.items() if "same_as" in s})
    return values


def override_args(values: Dict[str, Any]) -> List[str]:
    """CLI arguments for the sampled values (YAML-encoded so booleans, lists and None survive)."""
    args: List[str] = []
    for key, value in values.items():
        args += [f"--{key}", yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()]
    return args


def _parse_error(config: str, values: Dict[str, Any]) -> Optional[str]:
    """Parse (and build, nothing trained) the config with ``values`` set: None if it parses, else the CLI's
    error line. A network or module that refuses the combination raises its ValueError."""
    import contextlib
    import io

    from catgan.cli import main

    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            main(args=["--config", config, "--trainer.logger", "false"] + override_args(values), run=False)
    except SystemExit as error:
        reason = [line for line in stderr.getvalue().splitlines() if "error:" in line.lower()]
        return reason[-1].strip() if reason else str(error)
    return None


def check_space(config: str, space: Dict[str, Dict[str, Any]]) -> None:
    """Parse the config with every key of the space set at once, as a trial sets them (its smallest values;
    nothing is trained): a key the config's classes do not have fails here, before any trial, with a message
    naming it; a combination the networks refuse fails with their message."""
    values = smallest_values(space)
    try:
        reason = _parse_error(config, values)
    except ValueError as error:  # jsonargparse lists each class's refusal as "- ..." under its union's name
        lines = [line.strip()[2:] for line in str(error).splitlines() if line.strip().startswith("- ")]
        detail = "; ".join(line for line in lines if not line.startswith("Expected a")) or str(error)
        raise ValueError(
            f"the search space's smallest values make a config that {config}'s classes refuse: {detail}"
        ) from None
    if reason is None:
        return
    reason = f"the search space does not apply to {config} ({reason})"
    for key, value in values.items():  # which key does not apply?
        try:
            alone = _parse_error(config, {key: value})
        except ValueError:  # the key exists: alone it makes a combination that no trial sets
            continue
        if alone is not None:
            reason = f"search-space key {key!r} does not apply to {config} ({alone})"
            break
    raise ValueError(f"{reason}: check the key against `catgan fit --config {config} --print_config`")


def base_values(config: str, space: Dict[str, Dict[str, Any]], extra: Sequence[str] = ()) -> Dict[str, Any]:
    """The config's own value of every sampled key (as ``--print_config`` resolves it, with the CLI ``extra``
    arguments), as Optuna params: a reference trial to enqueue. A value outside the space (a choice it does
    not list, a number outside its range) is refused with the key, the value and the space it missed."""
    from jsonargparse import Namespace

    from catgan.cli import main

    cli = main(args=["--config", config, "--trainer.logger", "false", *extra], run=False)
    params: Dict[str, Any] = {}
    for key, spec in space.items():
        if "same_as" in spec:
            continue
        value = cli.config.get(key)
        value = value.as_dict() if isinstance(value, Namespace) else value
        value = list(value) if isinstance(value, tuple) else value  # as YAML writes a sequence
        if spec["type"] == "categorical":
            if value not in spec["choices"]:
                raise ValueError(
                    f"{config}: {key} is {value!r}, not among the space's choices {spec['choices']}; "
                    "add it to the choices to use the config as a reference trial"
                )
            params[key] = encode_choice(value)
        else:
            if value is None or not float(spec["low"]) <= float(value) <= float(spec["high"]):
                raise ValueError(
                    f"{config}: {key} is {value!r}, outside the space's range [{spec['low']}, {spec['high']}]; "
                    "widen the range to use the config as a reference trial"
                )
            params[key] = int(value) if spec["type"] == "int" else float(value)
    return params


def set_dotted(config: Dict[str, Any], key: str, value: Any) -> None:
    node = config
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def write_best_config(
    base: str, values: Dict[str, Any], path: str, study_name: str, score: float, extra: Optional[List[str]] = None
) -> str:
    """The base config with the best trial's values, as a YAML file ``catgan fit --config`` runs."""
    with open(base) as f:
        config = yaml.safe_load(f)
    config = copy.deepcopy(config)
    for key, value in values.items():
        set_dotted(config, key, value)
    header = (
        f"# {os.path.basename(base)} with the best trial of Optuna study {study_name!r} "
        f"(mean score {score:.4f}), written by scripts/tune.py on {time.strftime('%Y-%m-%d')}.\n"
    )
    if extra:
        header += f"# The trials also ran with the CLI arguments: {' '.join(extra)}\n"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(header + yaml.safe_dump(config, sort_keys=False))
    return path
