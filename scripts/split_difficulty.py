"""What makes a label split hard: features of each split's labelled set, rank-correlated with the recorded errors.

    OMP_NUM_THREADS=1 python scripts/split_difficulty.py            # writes docs/results/split_difficulty/ (~1 CPU min)
    OMP_NUM_THREADS=1 python scripts/split_difficulty.py --no-mnist  # digits records only

Every record under ``docs/results`` with a label split (digits or PI-MNIST, ``num_labeled`` > 0) names its config,
overrides and seed; the labelled images of that split are rebuilt exactly (the data module's own held-out validation
split, then ``balanced_label_indices``) and described per class (``catgan.split_features``) in the PCA-50 space of
the training images (k-NN with 10 neighbours, k-means with 5 clusters per class). Features that read the hidden labels
of the unlabelled training images (analysis only): ``typicality``, ``label_knn_purity``, ``nn1_error``,
``uncovered_mass``, ``spread_error`` (sklearn LabelSpreading); label-free ones (known before training):
``label_density``, ``label_silhouette``, ``label_loo_error``, ``cluster_conflict``, ``empty_cluster_mass``,
``spread_confidence``, ``spread_imbalance`` (definitions: docs/experiments/split_difficulty.md). The summary has, per group of records (one folder, one setting)
with >= 6 splits and per pool of comparable splits (consensus: the mean of the groups' per-split z-scores), the
Spearman rho, p and n of each feature with the error; the split and initialisation shares of the error variance where
splits were fitted several times; per class, from saved test probabilities, where the errors are and how per-class
features follow per-class errors.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
from collections import defaultdict
from typing import Dict, List

import numpy as np
from scipy import stats
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from catgan.split_features import HIDDEN, LABEL_FREE, PER_CLASS, label_set_features, spreading_features

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY_FIELDS = ("dataset", "num_labeled", "val_size", "val_per_split", "seed")
NEIGHBORS, MIN_SPLITS = 10, 6
SETTINGS = {"space": "PCA-50 of the training images (pixels in [0, 1])", "neighbors": NEIGHBORS, "kmeans_per_class": 5}


# -- records --------------------------------------------------------------------------------------------------------
def data_args(record: dict) -> dict:
    """The record's split: the data module's defaults, then its config's ``data.init_args``, then its overrides."""
    import yaml

    dataset = "mnist" if "mnist" in os.path.basename(record["config"]) else "digits"
    args = {"num_labeled": 50, "val_size": 200} if dataset == "digits" else {"num_labeled": 100, "val_size": 10000}
    path = os.path.join(REPO, record["config"])  # records name configs relative to the repository root
    if os.path.isfile(path):
        with open(path) as f:
            args.update((yaml.safe_load(f).get("data") or {}).get("init_args") or {})
    over = record.get("overrides") or []
    for flag, value in zip(over, over[1:]):
        if isinstance(flag, str) and flag.startswith("--data.init_args."):
            args[flag.split(".")[-1]] = yaml.safe_load(value)
    split = (dataset, int(args["num_labeled"]), int(args["val_size"]), bool(args.get("val_per_split", False)))
    return dict(zip(KEY_FIELDS, (*split, int(record["seed"]))))


def load_records(root: str, datasets: List[str]) -> List[dict]:
    """One row per fit (or ensemble) with a label split: its split, group, error and saved probabilities."""
    rows = []
    for path in sorted(glob.glob(os.path.join(root, "**", "*.json"), recursive=True)):
        if path.endswith("_curve.json") or "split_difficulty" in path:
            continue
        with open(path) as f:
            record = json.load(f)
        if not isinstance(record, dict) or "seed" not in record or "unsupervised" in record.get("config", "unsup"):
            continue
        acc = (record.get("metrics") or {}).get(record.get("metric", "test/acc"))
        split = data_args(record) if acc is not None else {"num_labeled": 0}
        if split["num_labeled"] == 0 or split["dataset"] not in datasets:
            continue
        overrides = [o for o in record.get("overrides") or [] if "data_dir" not in o and "/data" not in o]
        folder = os.path.dirname(path)
        probs = os.path.join(folder, record["probs_file"]) if "probs_file" in record else None
        group = os.path.relpath(folder, root) + ("/ensemble" if "ensemble" in record else "")
        setting = " ".join([os.path.basename(record["config"]), *overrides])
        rows.append({**split, "group": group, "setting": setting, "error": 1.0 - acc, "probs": probs})
    settings = defaultdict(set)
    for r in rows:
        settings[r["group"]].add(r["setting"])
    for r in rows:  # a folder that holds several settings is several groups
        if len(settings[r["group"]]) > 1:
            r["group"] += f"[{sorted(settings[r['group']]).index(r['setting'])}]"
    return rows


def split_key(r: dict) -> tuple:
    return tuple(r[f] for f in KEY_FIELDS)


def pool_key(key: tuple) -> str:
    """Splits comparable in one ranking: data set, labels, validation scheme, report (< 100) or tuning seeds."""
    dataset, num_labeled, val_size, val_per_split, seed = key
    scheme = "valpersplit" if val_per_split else f"val{val_size}"
    return f"{dataset}_{num_labeled}_{scheme}_" + ("report" if seed < 100 else "tuning")


def load_split(key: tuple):
    """(train images (N, D), train labels (N,), labelled indices, num_classes) exactly as a run saw them."""
    from catgan.data import DigitsDataModule, MNISTDataModule

    dataset, num_labeled, val_size, val_per_split, seed = key
    kwargs = {"num_labeled": num_labeled, "seed": seed, "val_size": val_size}
    if dataset == "digits":
        dm = DigitsDataModule(val_per_split=val_per_split, **kwargs)
    else:
        dm = MNISTDataModule(data_dir=os.path.join(REPO, "data"), flatten=True, **kwargs)
    dm.setup()
    x = dm.splits.train_x.reshape(len(dm.splits.train_x), -1).numpy()
    return x, dm.splits.train_y.numpy(), dm.labeled_indices.numpy(), dm.num_classes


def compute_features(keys) -> Dict[tuple, Dict[str, np.ndarray]]:
    cache, out = {}, {}
    for key in sorted(keys):
        x, y, labeled, num_classes = load_split(key)
        train_id = key[:4] + ((key[4],) if key[3] else ())  # with val_per_split the training images follow the seed
        if train_id not in cache:
            z = PCA(n_components=min(50, x.shape[1]), random_state=0).fit_transform(x)
            clusters = KMeans(SETTINGS["kmeans_per_class"] * num_classes, n_init=3, random_state=0).fit_predict(z)
            cache[train_id] = (z, clusters, NearestNeighbors(n_neighbors=NEIGHBORS).fit(z).kneighbors())
        z, clusters, knn = cache[train_id]
        out[key] = label_set_features(z, y, labeled, clusters, knn, num_classes)
        out[key].update(spreading_features(knn[1], y, labeled, num_classes))
        print("features", key, {n: round(float(v.mean()), 4) for n, v in out[key].items()}, flush=True)
    return out


# -- analysis -------------------------------------------------------------------------------------------------------
def spearman(a, b) -> dict:
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return {"rho": None, "p": None, "n": int(len(a))}
    rho, p = stats.spearmanr(a, b)
    return {"rho": round(float(rho), 3), "p": round(float(p), 4), "n": int(len(a))}


def variance_shares(errors: List[List[float]]) -> dict:
    """One-way random effects over S splits with R fits each: split and initialisation variance (points^2), F test."""
    r = min(map(len, errors))
    table = np.array([v[:r] for v in errors]) * 100  # (S, R)
    msw, msb = table.var(1, ddof=1).mean(), r * table.mean(1).var(ddof=1)
    split_var, f = max((msb - msw) / r, 0.0), msb / msw
    return {
        "splits": len(table),
        "fits_per_split": r,
        "split_var": round(split_var, 3),
        "init_var": round(msw, 3),
        "split_share": round(split_var / (split_var + msw), 3),
        "F": round(f, 2),
        "p": round(float(stats.f.sf(f, len(table) - 1, len(table) * (r - 1))), 4),
    }


def per_class_errors(records: List[dict], features: dict) -> dict:
    """From saved test probabilities: each class's share of the errors, the largest confusions, how many errors sit
    on test images that most fits miss, and the Spearman correlation over (split, class) of per-class error (mean
    over the split's fits) with per-class features: raw, and within class (both centred per class over splits)."""
    import torch

    errs, conf, missed = defaultdict(list), 0, 0
    for r in records:
        prob, y = torch.load(r["probs"])["test"]
        pred, y, k = prob.argmax(1).numpy(), y.numpy(), prob.shape[1]
        conf = conf + np.bincount(y * k + pred, minlength=k * k).reshape(k, k) * (1 - np.eye(k, dtype=int))
        missed = missed + (pred != y)
        errs[split_key(r)].append([(pred != y)[y == c].mean() for c in range(k)])
    keys = sorted(errs)
    per = np.array([np.mean(errs[key], 0) for key in keys])  # (S, K)
    pairs = sorted(((int(conf[i, j]), i, j) for i in range(k) for j in range(k) if conf[i, j]), reverse=True)[:6]
    often = missed >= len(records) / 2  # (T,) test images that most fits miss
    feats = {n: np.array([features[key][n] for key in keys]) for n in PER_CLASS}  # (S, K) each
    centred = {n: spearman((f - f.mean(0)).ravel(), (per - per.mean(0)).ravel()) for n, f in feats.items()}
    total = per.sum(1)  # (S,) a class's share of the between-split variance: Cov(its error, the sum) / Var(the sum)
    split_share = [np.cov(per[:, c], total)[0, 1] / total.var(ddof=1) for c in range(k)]
    return {
        "fits": len(records),
        "class_error_share": [round(float(v), 3) for v in conf.sum(1) / conf.sum()],
        "class_share_of_split_variance": [round(float(v), 3) for v in split_share],
        "largest_confusions_true_pred_count": [[i, j, c] for c, i, j in pairs],
        "images_missed_by_half_the_fits": int(often.sum()),
        "their_share_of_errors": round(float(missed[often].sum() / missed.sum()), 3),
        "split_class_spearman": {n: spearman(f.ravel(), per.ravel()) for n, f in feats.items()},
        "within_class_spearman": centred,
    }


def agreement(a: Dict[tuple, list], b: Dict[tuple, list]):
    """Spearman rho of two groups' per-split mean errors over their common splits (None under MIN_SPLITS)."""
    common = sorted(set(a) & set(b))
    if len(common) >= MIN_SPLITS:
        return spearman([np.mean(a[k]) for k in common], [np.mean(b[k]) for k in common])["rho"]


def analyse(records: List[dict], features: dict) -> dict:
    by_group, setting = defaultdict(lambda: defaultdict(list)), {}
    for r in records:
        by_group[r["group"]][split_key(r)].append(r["error"])
        setting[r["group"]] = r["setting"]
    summary = {"groups": {}, "pools": {}, "variance": {}, "per_class": {}}
    zscores = defaultdict(lambda: defaultdict(list))
    mean_feature = {key: {n: float(v.mean()) for n, v in f.items()} for key, f in features.items()}
    for group, errors in sorted(by_group.items()):
        keys = sorted(errors)
        mean = np.array([np.mean(errors[key]) for key in keys])
        if len(keys) >= MIN_SPLITS and np.ptp(mean) > 0:
            corr = {n: spearman([mean_feature[key][n] for key in keys], mean) for n in HIDDEN + LABEL_FREE}
            summary["groups"][group] = {
                "pool": pool_key(keys[0]),
                "setting": setting[group],
                "splits": len(keys),
                "mean_error": round(float(mean.mean()), 4),
                **corr,
            }
            for key, z in zip(keys, (mean - mean.mean()) / mean.std()):
                zscores[pool_key(key)][key].append(z)
        if len(keys) >= 3 and all(len(v) > 1 for v in errors.values()):
            summary["variance"][group] = variance_shares([errors[key] for key in keys])
    for pool, per_split in sorted(zscores.items()):
        keys = sorted(per_split)
        consensus = [np.mean(per_split[key]) for key in keys]
        groups = [g for g, s in summary["groups"].items() if s["pool"] == pool]
        rhos = [agreement(by_group[a], by_group[b]) for i, a in enumerate(groups) for b in groups[i + 1 :]]
        rhos = [rho for rho in rhos if rho is not None]  # pairs of groups with >= MIN_SPLITS splits in common
        summary["pools"][pool] = {
            "splits": [key[4] for key in keys],
            "groups": len(groups),
            "consensus_z": [round(float(c), 3) for c in consensus],
            "between_group_rho_mean": round(float(np.mean(rhos)), 3) if rhos else None,
            **{n: spearman([mean_feature[key][n] for key in keys], consensus) for n in HIDDEN + LABEL_FREE},
        }
    with_probs = defaultdict(list)
    for r in records:
        if r["probs"] and os.path.isfile(r["probs"]):
            with_probs[r["group"]].append(r)
    for group, rs in sorted(with_probs.items()):
        if len({split_key(r) for r in rs}) >= MIN_SPLITS:
            summary["per_class"][group] = per_class_errors(rs, features)
    return summary


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=os.path.join(REPO, "docs", "results"), help="folder of run records")
    parser.add_argument("--out", default=os.path.join(REPO, "docs", "results", "split_difficulty"), help="folder")
    parser.add_argument("--no-mnist", action="store_true", help="digits records only (MNIST needs data/MNIST)")
    args = parser.parse_args(argv)
    records = load_records(args.results, ["digits"] if args.no_mnist else ["digits", "mnist"])
    if not records:
        raise SystemExit(f"no run records with a label split under {args.results}: point --results at docs/results.")
    features = compute_features({split_key(r) for r in records})
    summary = analyse(records, features)
    errors = defaultdict(lambda: defaultdict(list))
    for r in records:
        errors[split_key(r)][r["group"]].append(round(r["error"], 4))
    splits = [
        {
            **dict(zip(KEY_FIELDS, key)),
            "pool": pool_key(key),
            "features": {n: round(float(v.mean()), 4) for n, v in f.items()},
            "features_per_class": {n: [round(float(x), 4) for x in f[n]] for n in PER_CLASS},
            "errors": dict(errors[key]),
        }
        for key, f in sorted(features.items())
    ]
    os.makedirs(args.out, exist_ok=True)
    command = " ".join(["python scripts/split_difficulty.py", *(argv or sys.argv[1:])])
    with open(os.path.join(args.out, "split_difficulty.json"), "w") as f:
        json.dump({"command": command, **SETTINGS, "summary": summary, "splits": splits}, f, indent=1)
    return summary


if __name__ == "__main__":
    main()
