"""The results table and the index of record folders, computed from the JSON records under docs/results.

``docs/results/claims.yaml`` lists the rows of the README's results table (task, method, config, record folder,
metric, label splits, published number); ``readme_table`` recomputes each row's mean ± std from the records and
``write_readme_table`` puts the table between the README's markers. ``index_markdown`` writes
``docs/results/README.md``: per record folder, what it holds (config, overrides, splits, metric, mean ± std of
the error, the command). ``scripts/results_table.py`` runs both; a test fails when either file is stale.
"""

from __future__ import annotations

import fnmatch
import glob
import json
import os
import re
import shlex
import statistics
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

START, END = "<!-- results-table:start -->", "<!-- results-table:end -->"
RESULTS = os.path.join("docs", "results")
CLAIM_FIELDS = ("task", "method", "config", "folder", "metric", "splits", "published")


def parse_splits(text: Any) -> List[int]:
    """``"0-9"`` -> [0, ..., 9]; ``"0 1 5"`` or ``[0, 1, 5]`` -> [0, 1, 5]."""
    if isinstance(text, int):
        return [text]
    if isinstance(text, list):
        return [int(s) for s in text]
    seeds: List[int] = []
    for part in str(text).replace(",", " ").split():
        low, dash, high = part.partition("-")
        seeds += list(range(int(low), int(high) + 1)) if dash else [int(part)]
    return seeds


def split_text(seeds: Sequence[int]) -> str:
    """[0, 1, 2, 5] -> "0–2, 5"."""
    seeds, parts, i = sorted(seeds), [], 0
    while i < len(seeds):
        j = i
        while j + 1 < len(seeds) and seeds[j + 1] == seeds[j] + 1:
            j += 1
        parts.append(f"{seeds[i]}–{seeds[j]}" if j > i else str(seeds[i]))
        i = j + 1
    return ", ".join(parts)


def record_seed(record: Dict[str, Any], name: str) -> Optional[int]:
    if isinstance(record.get("seed"), int):
        return record["seed"]
    found = re.search(r"seed(\d+)", os.path.basename(name))
    return int(found.group(1)) if found else None


def metric_of(record: Dict[str, Any], metric: str) -> Optional[float]:
    """The metric from a run record's ``metrics``, or from the top level of another record (e.g. a merge)."""
    value = record.get("metrics", {}).get(metric, record.get(metric))
    return float(value) if value is not None else None


def folder_records(folder: str, files: str = "*.json") -> List[Tuple[str, Dict[str, Any]]]:
    """(file name, record) of the JSON records directly in ``folder`` that match ``files`` (curves left out)."""
    found = []
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        name = os.path.basename(path)
        if name.endswith("_curve.json") or not fnmatch.fnmatch(name, files):
            continue
        with open(path) as f:
            record = json.load(f)
        if isinstance(record, dict) and record.get("config"):
            found.append((name, record))
    return found


def override_pairs(tokens: Sequence[str]) -> Dict[str, str]:
    """CLI overrides as {flag: value}: ``["--a", "1", "--b=2", "--c"]`` -> ``{"--a": "1", "--b": "2", "--c": ""}``."""
    pairs: Dict[str, str] = {}
    i = 0
    while i < len(tokens):
        flag, eq, value = tokens[i].partition("=")
        if not eq and i + 1 < len(tokens) and not tokens[i + 1].startswith("--"):
            value, i = tokens[i + 1], i + 1
        pairs[flag] = value
        i += 1
    return pairs


def claim_overrides(claim: Dict[str, Any]) -> Dict[str, str]:
    """The claim's ``overrides`` (a command-line string) as {flag: value}; {} without them."""
    return override_pairs(shlex.split(claim.get("overrides", "")))


def claim_errors(claim: Dict[str, Any], root: str = ".") -> Dict[int, float]:
    """Per label split of the claim, the error in % (100 (1 - metric)) of the newest matching record in its folder:
    single fits (restart 0, not stopped early) unless ``ensemble: true`` (the ensemble records) or ``select:
    mutual_information`` (per split, the restart with the highest label-free mutual information,
    ``catgan.restarts.select_restarts``); with ``overrides``, only records that ran every one of them with the same
    value. A split without a record is an error."""
    folder = os.path.join(root, RESULTS, claim["folder"])
    wanted = parse_splits(claim["splits"])
    selected = claim.get("select") == "mutual_information"
    newest: Dict[int, Tuple[str, float]] = {}
    found = folder_records(folder, claim.get("files", "*.json"))
    required = claim_overrides(claim)
    if required:
        found = [
            (name, r)
            for name, r in found
            if all(override_pairs(r.get("overrides", [])).get(k) == v for k, v in required.items())
        ]
    if selected:  # per split, the restart whose D has the highest mutual information on validation images
        from catgan.restarts import select_restarts

        runs = [r for _, r in found if "metrics" in r and not r.get("ensemble") and not r.get("stopped_after_epoch")]
        found = [(f"seed{r['seed']}", r) for r in select_restarts(runs)]
    for name, record in found:
        seed = record_seed(record, name)
        if seed not in wanted or bool(record.get("ensemble")) != bool(claim.get("ensemble", False)):
            continue
        if (record.get("restart") and not selected) or record.get("stopped_after_epoch"):
            continue
        value = metric_of(record, claim["metric"])
        if value is not None and (seed not in newest or record.get("date", "") >= newest[seed][0]):
            newest[seed] = (record.get("date", ""), 100.0 * (1.0 - value))
    missing = [s for s in wanted if s not in newest]
    if missing:
        raise ValueError(
            f"claims: {claim['method']!r} ({claim['task']}): no record with {claim['metric']} for splits {missing} "
            f"in {os.path.join(RESULTS, claim['folder'])}" + (f" that ran {claim['overrides']}" if required else "")
        )
    return {s: newest[s][1] for s in wanted}


def mean_std(values: Sequence[float]) -> str:
    """ "m ± s %" with the sample standard deviation (n - 1), two decimals."""
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.2f} ± {spread:.2f} %"


def load_claims(path: str) -> List[Dict[str, Any]]:
    with open(path) as f:
        claims = yaml.safe_load(f) or []
    for i, claim in enumerate(claims):
        missing = [k for k in CLAIM_FIELDS if k not in claim]
        if missing:
            raise ValueError(f"{path}: row {i + 1} ({claim.get('method', '?')}) lacks {', '.join(missing)}")
    return claims


def readme_table(claims: List[Dict[str, Any]], root: str = ".", results_link: str = RESULTS) -> str:
    """The results table; ``results_link`` is docs/results as the page holding the table links to it."""
    lines = [
        "| task | method | config | this library (mean ± std, splits) | published | record |",
        "|---|---|---|---|---|---|",
    ]
    for claim in claims:
        errors = claim_errors(claim, root)
        config = (
            os.path.relpath(claim["config"], "configs") if claim["config"].startswith("configs/") else claim["config"]
        )
        changed = ", ".join(f"`{k.rsplit('.', 1)[-1]}: {v}`" for k, v in claim_overrides(claim).items())
        config = f"`{config}`" + (f" with {changed}" if changed else "")
        lines.append(
            f"| {claim['task']} | {claim['method']} | {escape(config)} | "
            f"{mean_std(list(errors.values()))} ({split_text(errors)}) | {claim['published']} | "
            f"[{claim['folder']}]({results_link}/{claim['folder']}/) |"
        )
    return "\n".join(lines)


def write_readme_table(readme: str, table: str) -> str:
    """The README text with ``table`` between the markers (which must be there, once each)."""
    if readme.count(START) != 1 or readme.count(END) != 1 or readme.index(START) > readme.index(END):
        raise ValueError(f"the README needs one {START} line and one {END} line after it, around the results table")
    head, rest = readme.split(START)
    _, tail = rest.split(END)
    return f"{head}{START}\n{table}\n{END}{tail}"


def folder_groups(folder: str) -> List[Dict[str, Any]]:
    """The run records of a folder grouped by config, overrides, metric and kind (single fit, restart, ensemble,
    stopped early): each group's splits and error mean ± std (the newest record per split)."""
    groups: Dict[tuple, Dict[int, Tuple[str, Dict[str, Any]]]] = {}
    for name, record in folder_records(folder):
        seed = record_seed(record, name)
        metric = record.get("metric")
        if seed is None or metric is None or "metrics" not in record:
            continue
        kind = (
            "ensemble"
            if record.get("ensemble")
            else "stopped early"
            if record.get("stopped_after_epoch")
            else f"restart {record['restart']}"
            if record.get("restart")
            else "fit"
        )
        key = (record["config"], tuple(record.get("overrides", [])), metric, kind)
        seeds = groups.setdefault(key, {})
        if seed not in seeds or record.get("date", "") >= seeds[seed][0]:
            seeds[seed] = (record.get("date", ""), record)
    found = []
    for (config, overrides, metric, kind), seeds in sorted(groups.items()):
        errors = [100 * (1 - v) for _, r in seeds.values() if (v := metric_of(r, metric)) is not None]
        restarts = [
            int(r.get("restart", 0))
            for (c, o, m, _), group in groups.items()
            if (c, o, m) == (config, overrides, metric)
            for _, r in group.values()
        ]
        found.append(
            {
                "restarts": max(restarts) + 1,
                "ensemble": max(int(r.get("ensemble", 0)) for _, r in seeds.values()),
                "config": config,
                "overrides": list(overrides),
                "metric": metric,
                "kind": kind,
                "splits": sorted(seeds),
                "error": mean_std(errors) if errors else "–",
            }
        )
    return found


def folder_summary(folder: str) -> str:
    """What a folder says about itself: the first sentence of its README.md or NOTE.md, else the first comment of
    its shell script (after the shebang), else ''."""
    for name in ("README.md", "NOTE.md"):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            with open(path) as f:
                text = " ".join(f.read().split())
            return text.split(". ")[0].rstrip(".") + "."
    for path in sorted(glob.glob(os.path.join(folder, "*.sh"))):
        block = []
        with open(path) as f:
            for line in f:
                if line.startswith("#!"):
                    continue
                if not line.startswith("#"):
                    break
                block.append(line[1:].strip())
        text = " ".join(block).removeprefix(f"bash {os.path.basename(path)}").lstrip(" :")
        if text:
            sentence = text.split(". ")[0].rstrip(".")
            sentence = sentence.replace("*", "\\*")
            return f"`{os.path.basename(path)}`: {sentence[:300]}{'…' if len(sentence) > 300 else '.'}"
    return ""


def folder_command(folder: str, group: Dict[str, Any], root: str) -> str:
    scripts = sorted(glob.glob(os.path.join(folder, "*.sh")))
    if scripts:
        return f"`bash {os.path.relpath(scripts[0], root)}`"
    line = ["python", "scripts/reproduce.py", "--config", group["config"], "--seeds"]
    line += [split_text(group["splits"]).replace("–", "-").replace(", ", " "), "--metric", group["metric"]]
    if group["kind"] == "ensemble":
        line += ["--restarts", str(group["ensemble"]), "--ensemble"]
    elif group["restarts"] > 1:
        line += ["--restarts", str(group["restarts"])]
    return "`" + shlex.join(line + (["--", *group["overrides"]] if group["overrides"] else [])) + "`"


def escape(cell: str) -> str:
    """A Markdown table cell: ``|`` escaped."""
    return cell.replace("|", "\\|")


def index_markdown(root: str = ".") -> str:
    """``docs/results/README.md``: every folder under docs/results that holds run records."""
    base = os.path.join(root, RESULTS)
    lines = [
        "# Records",
        "",
        "One JSON record per run (`catgan/runs.py`): config and its git blob hash, overrides, label split, metrics,",
        "error, timings, the command that repeats it. Written by `python scripts/results_table.py` from the records",
        "(do not edit by hand); the README's results table comes from `claims.yaml` the same way. Error = 100 (1 -",
        "metric) %, mean ± sample std over the splits, the newest record per split. `stopped early` and `restart r`",
        "groups are parts of screened or restarted runs (restart r initializes from seed + 1000 r).",
        "",
    ]
    folders = sorted({os.path.dirname(p) for p in glob.glob(os.path.join(base, "**", "*.json"), recursive=True)})
    for folder in folders:
        groups = folder_groups(folder)
        if not groups:
            continue
        name = os.path.relpath(folder, base)
        lines += [f"## [`{name}/`]({name}/)", ""]
        summary = folder_summary(folder)
        if summary:
            lines += [summary, ""]
        lines += ["| config | overrides | kind | metric | splits | error | command |", "|---|---|---|---|---|---|---|"]
        for g in groups:
            overrides = escape(f"`{shlex.join(g['overrides'])}`") if g["overrides"] else "–"
            command = escape(folder_command(folder, g, root))
            lines.append(
                f"| `{g['config']}` | {overrides} | {g['kind']} | {g['metric']} | "
                f"{split_text(g['splits'])} | {g['error']} | {command} |"
            )
        lines.append("")
    return "\n".join(lines)
