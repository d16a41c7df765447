"""Tables of run records (``catgan.runs``): the per-seed table with its mean ± std line, and paired
comparisons of two folders seed by seed (scripts/reproduce.py prints them)."""

from __future__ import annotations

import statistics
from typing import Any, Dict, List

Record = Dict[str, Any]


def summary_lines(records: List[Record], metric: str) -> List[str]:
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


def paired_lines(records: List[Record], baseline: List[Record], metric: str) -> List[str]:
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
