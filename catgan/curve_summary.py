"""Per-split summaries of the learning curves inside run records (``--curve`` records of ``scripts/reproduce.py``).

One row per record: the final error (of the metric the curve tracks, e.g. ``test/acc`` of the averaged D, and of
the raw D where recorded), the error at chosen epochs, the mean over the last epochs, the first epoch at or below a
threshold, and whether D entered the *D-wins state* (its conditional entropy on generated data above a level after
the first epochs). ``scripts/curve_summary.py`` prints them as a Markdown table; the docs pages quote it.
"""

from __future__ import annotations

import statistics
from typing import Any, Dict, List, Optional, Sequence

from catgan.results_table import split_text

D_WINS_KEY = "train/d/conditional_entropy_fake"


def error_percent(accuracy: Optional[float]) -> Optional[float]:
    """An accuracy in [0, 1] as an error in %: 100 (1 - accuracy); None stays None."""
    return None if accuracy is None else 100.0 * (1.0 - float(accuracy))


def curve_errors(curve: Sequence[Dict[str, Any]], metric: str) -> Dict[int, float]:
    """{epoch: error in %} of ``metric`` (an accuracy) over the epochs that logged it."""
    return {int(e["epoch"]): error_percent(e[metric]) for e in curve if e.get(metric) is not None}


def first_epoch_at_or_below(errors: Dict[int, float], threshold: float) -> Optional[int]:
    """The first epoch whose error is at or below ``threshold`` (%), None if none is."""
    return next((epoch for epoch in sorted(errors) if errors[epoch] <= threshold), None)


def d_wins_epochs(curve: Sequence[Dict[str, Any]], level: float = 2.0, after: int = 2) -> List[int]:
    """Epochs after ``after`` whose mean conditional entropy of D on generated data exceeded ``level`` nats: D spreads
    generated data over the classes (the maximum is log K) while feature matching cannot follow."""
    return [int(e["epoch"]) for e in curve if int(e["epoch"]) > after and e.get(D_WINS_KEY, 0.0) > level]


def summarize(
    record: Dict[str, Any],
    metric: Optional[str] = None,
    at_epochs: Sequence[int] = (10, 20, 40),
    last: int = 10,
    threshold: Optional[float] = None,
) -> Dict[str, Any]:
    """One record's curve summary: split, final error (the record's final ``metrics``, else the curve's last epoch;
    of the averaged D as tracked, and ``<metric>_raw``), errors at
    ``at_epochs``, the mean of the last ``last`` epochs, the first epoch at or below ``threshold`` (%), D-wins epochs
    and CPU hours of the fit."""
    curve = record.get("curve") or []
    if not curve:
        raise ValueError(f"record of seed {record.get('seed')} has no curve: rerun scripts/reproduce.py with --curve")
    metric = metric or record.get("metric", "test/acc")
    errors = curve_errors(curve, metric)
    if not errors:
        raise ValueError(f"the curve of seed {record.get('seed')} has no {metric}; its keys: {sorted(curve[0])}")
    raw = curve_errors(curve, f"{metric}_raw")
    final_epoch = max(errors)
    metrics = record.get("metrics", {})  # the fit's own final evaluation, where recorded (under the fit's precision)
    tail = [errors[e] for e in sorted(errors)[-last:]]
    cpu = record.get("train_cpu_seconds")
    return {
        "split": record.get("seed"),
        "epochs": final_epoch,
        "final": error_percent(metrics[metric]) if metric in metrics else errors[final_epoch],
        "final_raw": error_percent(metrics[f"{metric}_raw"]) if f"{metric}_raw" in metrics else raw.get(final_epoch),
        "at": {e: errors.get(e) for e in at_epochs},
        "last_mean": statistics.mean(tail),
        "last": len(tail),
        "first_below": first_epoch_at_or_below(errors, threshold) if threshold is not None else None,
        "d_wins": d_wins_epochs(curve),
        "cpu_hours": None if cpu is None else cpu / 3600.0,
    }


def _cell(value: Optional[float], unit: str = " %") -> str:
    return "–" if value is None else f"{value:.2f}{unit}"


def epochs_text(epochs: Sequence[int]) -> str:
    """[3, 4, 5, 9] -> "3–5, 9"; [] -> "none"."""
    return split_text(epochs) if epochs else "none"


def markdown_table(rows: List[Dict[str, Any]], threshold: Optional[float] = None) -> str:
    """The rows as a Markdown table, one per split, with a last line of mean ± sample std and the worst split."""
    at = list(rows[0]["at"]) if rows else []
    head = ["split", "final", "raw D", *[f"epoch {e}" for e in at], f"mean of last {rows[0]['last'] if rows else 0}"]
    head += ([f"first ≤ {threshold:g} %"] if threshold is not None else []) + ["D-wins epochs", "CPU h"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in sorted(rows, key=lambda r: r["split"]):
        cells = [str(r["split"]), _cell(r["final"]), _cell(r["final_raw"]), *[_cell(r["at"][e]) for e in at]]
        cells.append(_cell(r["last_mean"]))
        if threshold is not None:
            cells.append("–" if r["first_below"] is None else str(r["first_below"]))
        cells += [epochs_text(r["d_wins"]), _cell(r["cpu_hours"], "")]
        lines.append("| " + " | ".join(cells) + " |")
    if len(rows) > 1:
        finals = [r["final"] for r in rows]
        worst = max(rows, key=lambda r: r["final"])
        lines.append(
            f"\nmean ± std over {len(rows)} splits: {statistics.mean(finals):.2f} ± {statistics.stdev(finals):.2f} %; "
            f"worst split {worst['split']}: {worst['final']:.2f} %"
        )
    return "\n".join(lines)
