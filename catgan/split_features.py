"""Features of a label split's labelled images: how typical they are, how well they cover their class.

Computed per class (K,) in a feature space of the training images (``scripts/split_difficulty.py`` uses their PCA-50)
from the labelled images' indices, the images' k nearest neighbours and k-means clusters; definitions in
docs/experiments/split_difficulty.md. ``HIDDEN`` features read the hidden labels of the unlabelled training images
(analysis only); ``LABEL_FREE`` ones do not (known before training).

    knn = NearestNeighbors(n_neighbors=10).fit(z).kneighbors()  # (N, k) distances and indices, itself excluded
    features = {**label_set_features(z, y, labeled, clusters, knn, 10), **spreading_features(knn[1], y, labeled, 10)}
"""

from __future__ import annotations

from typing import Dict, Tuple

import numpy as np
from scipy import sparse
from sklearn.metrics import silhouette_samples
from sklearn.neighbors import NearestNeighbors
from sklearn.semi_supervised import LabelSpreading

HIDDEN = ["typicality", "label_knn_purity", "nn1_error", "uncovered_mass", "spread_error"]
LABEL_FREE = ["label_density", "label_silhouette", "label_loo_error", "cluster_conflict", "empty_cluster_mass"]
LABEL_FREE += ["spread_confidence", "spread_imbalance"]
PER_CLASS = ["typicality", "label_knn_purity", "nn1_error", "uncovered_mass", "spread_error", "label_density"]


def label_set_features(z, y, labeled, clusters, knn: Tuple[np.ndarray, np.ndarray], num_classes: int) -> Dict:
    """Per-class (K,) features of the labelled images ``labeled`` (indices into z (N, d); hidden labels y (N,);
    k-means clusters (N,); ``knn``: each image's distances and indices (N, k) of its k nearest other images)."""
    dist, idx = knn[0][labeled], knn[1][labeled]  # (L, k)
    yl, zl, lab_clusters = y[labeled], z[labeled], clusters[labeled]
    unl = np.setdiff1d(np.arange(len(z)), labeled)
    mean = np.stack([z[y == c].mean(0) for c in range(num_classes)])  # (K, d)
    to_mean = np.linalg.norm(z - mean[y], axis=1)  # (N,)
    class_spread = np.array([to_mean[y == c].mean() for c in range(num_classes)])  # (K,)
    near = NearestNeighbors(n_neighbors=1).fit(zl).kneighbors(z[unl])[1][:, 0]  # (U,) nearest labelled image
    ll = np.linalg.norm(zl[:, None] - zl[None], axis=2) + np.diag(np.full(len(yl), np.inf))  # (L, L)
    sil = silhouette_samples(zl, yl) if 1 < len(set(yl.tolist())) < len(yl) else np.zeros(len(yl))  # sklearn's range
    per_image = {  # (L,) each
        "typicality": to_mean[labeled] / class_spread[yl],  # distance to the class mean / the class's mean distance
        "label_knn_purity": (y[idx] == yl[:, None]).mean(1),  # share of the k nearest images of the label's class
        "label_density": dist[:, -1] / knn[0][:, -1].mean(),  # k-th neighbour distance / its mean over all images
        "label_silhouette": sil,
        "label_loo_error": (yl[ll.argmin(1)] != yl).astype(float),  # 1-NN among the labels, leaving itself out
        "cluster_conflict": np.array([(yl[lab_clusters == c] != v).any() for c, v in zip(lab_clusters, yl)], float),
    }
    out = {name: np.array([v[yl == c].mean() for c in range(num_classes)]) for name, v in per_image.items()}
    out["nn1_error"] = np.array([(yl[near] != y[unl])[y[unl] == c].mean() for c in range(num_classes)])
    majority = {c: np.bincount(y[clusters == c], minlength=num_classes).argmax() for c in np.unique(clusters)}
    covered = set(zip(lab_clusters.tolist(), yl.tolist()))  # (cluster, class) pairs that a label shows
    uncovered = np.array([(c, majority[c]) not in covered for c in clusters.tolist()])  # (N,)
    out["uncovered_mass"] = np.array([uncovered[y == c].mean() for c in range(num_classes)])
    out["empty_cluster_mass"] = np.full(num_classes, (~np.isin(clusters, lab_clusters)).mean())
    return out


def spreading_features(neighbors: np.ndarray, y: np.ndarray, labeled: np.ndarray, num_classes: int) -> Dict:
    """sklearn LabelSpreading from the labels over the k-NN graph of ``neighbors`` (N, k) (its ``knn`` kernel, built
    once per training set): per-class (K,) error on the unlabelled images; mean top probability; KL of the predicted
    class shares from uniform (the last two per split, repeated per class)."""
    n, k = neighbors.shape
    graph = sparse.csr_matrix((np.ones(n * k), neighbors.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n))
    target = np.full(n, -1)
    target[labeled] = y[labeled]
    model = LabelSpreading(kernel=lambda a, b: graph, alpha=0.2, max_iter=100).fit(np.zeros((n, 1)), target)
    unl = np.setdiff1d(np.arange(n), labeled)
    pred, prob = model.transduction_[unl], np.nan_to_num(model.label_distributions_[unl])
    share = np.bincount(pred, minlength=num_classes) / len(pred)
    imbalance = float(np.sum(share * np.log(np.maximum(share, 1e-12) * num_classes)))
    error = np.array([(pred != y[unl])[y[unl] == c].mean() for c in range(num_classes)])
    full = np.full(num_classes, 1.0)
    return {"spread_error": error, "spread_confidence": full * prob.max(1).mean(), "spread_imbalance": full * imbalance}
