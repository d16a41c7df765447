"""Does a fit's error show in what D says without labels? Per label split, a record folder's error beside D's
label-free statistics on the evaluated images (their labels unused), and Spearman's rank correlation of each with
the error over the splits.

    python scripts/label_free_criteria.py docs/results/mnist_pi_catgan_vat_lrg2e3_test

Statistics (from the records' final metrics, on the test images unless ``--stage val``):
``conditional_entropy`` E_x H[p(y|x)] (D's mean uncertainty), ``marginal_entropy`` H[E_x p(y|x)] (how evenly D
spreads the images over the classes), ``mutual_information`` = marginal - conditional (the criterion that picks
clustering restarts, ``scripts/reproduce.py --restarts``) and, where kept, the raw D's error beside the average's.
A statistic that follows the error over splits is a candidate for choosing between fits of one split (restarts),
which needs it on images other than the test images (training or validation); over splits it is only a hint.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Dict, List, Optional

from scipy.stats import spearmanr

from catgan.runs import load_records

STATISTICS = ("conditional_entropy", "marginal_entropy", "mutual_information", "raw_error")


def split_statistics(record: Dict, stage: str = "test") -> Dict[str, float]:
    """Error (%) and the label-free statistics of one record's final metrics at ``stage``."""
    m = record["metrics"]
    if f"{stage}/acc" not in m or f"{stage}/conditional_entropy_real" not in m:
        raise ValueError(
            f"label_free_criteria: the record of seed {record.get('seed')} has no {stage}/acc or "
            f"{stage}/conditional_entropy_real; choose --stage among those its metrics hold"
        )
    row = {
        "seed": int(record["seed"]),
        "error": 100.0 * (1.0 - float(m[f"{stage}/acc"])),
        "conditional_entropy": float(m[f"{stage}/conditional_entropy_real"]),
        "marginal_entropy": float(m[f"{stage}/marginal_entropy_real"]),
    }
    row["mutual_information"] = row["marginal_entropy"] - row["conditional_entropy"]
    if f"{stage}/acc_raw" in m:
        row["raw_error"] = 100.0 * (1.0 - float(m[f"{stage}/acc_raw"]))
    return row


def correlations(rows: List[Dict[str, float]]) -> Dict[str, tuple]:
    """Spearman's (rho, p) of each statistic with the error over the rows (statistics every row has)."""
    out = {}
    for name in STATISTICS:
        if len(rows) >= 3 and all(name in r for r in rows):
            result = spearmanr([r["error"] for r in rows], [r[name] for r in rows])
            out[name] = (float(result.statistic), float(result.pvalue))
    return out


def markdown(rows: List[Dict[str, float]], found: Dict[str, tuple]) -> str:
    names = [n for n in STATISTICS if all(n in r for r in rows)]
    lines = ["| split | error | " + " | ".join(names) + " |", "|---" * (len(names) + 2) + "|"]
    for r in rows:
        lines.append(f"| {r['seed']} | {r['error']:.2f} % | " + " | ".join(f"{r[n]:.4f}" for n in names) + " |")
    lines.append(
        f"| Spearman with the error (n = {len(rows)}) | | "
        + " | ".join(f"{found[n][0]:+.2f} (p {found[n][1]:.3f})" if n in found else "–" for n in names)
        + " |"
    )
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", help="a folder of run records, one label split per seed")
    parser.add_argument("--stage", default="test", choices=("test", "val"), help="the images the metrics are on")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not os.path.isdir(args.folder):
        parser.error(f"{args.folder} is not a folder of run records")
    records = [r for r in load_records(args.folder) if not r.get("restart")]
    if len(records) < 3:
        parser.error(f"{args.folder} holds {len(records)} single-fit records; a correlation needs 3 splits or more")
    try:
        rows = [split_statistics(r, args.stage) for r in records]
    except ValueError as error:
        parser.error(str(error))
    print(markdown(rows, correlations(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
