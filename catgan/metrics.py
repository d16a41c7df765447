"""Evaluation metrics: clustering accuracy with Hungarian matching, and sample quality (FD, KID) in
the feature space of a classifier trained on the same data set.

Classification accuracy, NMI and ARI come from torchmetrics; this file adds what torchmetrics lacks:
the best one-to-one matching of predicted clusters to true classes (``ClusteringAccuracy``; with more
clusters than classes, ``mapping="majority"`` maps each cluster to its most frequent class instead, or
``merge_clusters`` merges the clusters into as many groups as classes without labels, through a nearest-neighbour
graph, and ``merged_clustering_accuracy`` scores the groups one-to-one), and
Fréchet / kernel distances from any feature network (``frechet_distance``, ``kernel_distance``,
``sample_quality``), e.g. the small classifier of ``catgan.feature_classifier``.
"""

from __future__ import annotations

import warnings
from typing import Dict, Tuple

import torch
from torch import Tensor, nn
from torchmetrics import Metric


def best_cluster_mapping(confusion: Tensor) -> Tensor:
    """For a (K_pred, K_true) count matrix, the true class assigned to each predicted cluster by the
    Hungarian algorithm (maximizing matched counts). Returns (K_pred,) int64; unmatched clusters -> -1."""
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(confusion.detach().cpu().numpy(), maximize=True)
    mapping = torch.full((confusion.shape[0],), -1, dtype=torch.long)
    mapping[torch.as_tensor(rows, dtype=torch.long)] = torch.as_tensor(cols, dtype=torch.long)
    return mapping


def majority_cluster_mapping(confusion: Tensor) -> Tensor:
    """For a (K_pred, K_true) count matrix, each predicted cluster's most frequent true class (a many-to-one
    mapping: several clusters may map to one class). Returns (K_pred,) int64; empty clusters -> -1."""
    mapping = confusion.argmax(dim=1).long().cpu()
    mapping[confusion.sum(dim=1).cpu() == 0] = -1
    return mapping


CLUSTER_MAPPINGS = {"hungarian": best_cluster_mapping, "majority": majority_cluster_mapping}


def merge_clusters(assignments: Tensor, neighbors: Tensor, num_clusters: int, num_groups: int, seed: int = 0) -> Tensor:
    """Merge K clusters into ``num_groups`` groups without labels: (K,) int64 group of each cluster (-1: no member).

    ``assignments`` (N,) is the cluster of each of N examples, ``neighbors`` (N, k) the indices of each example's k
    nearest neighbours among the same N (``catgan.data.neighbors.nearest_neighbors``, e.g. in D's last hidden
    layer). The affinity of two clusters is the number of graph edges between their members (both directions);
    scikit-learn's spectral clustering cuts the clusters that have members into ``num_groups`` groups (all of
    them their own group when there are no more than ``num_groups``). Scored one-to-one with
    ``merged_clustering_accuracy``, a model with more clusters than classes gets a Hungarian score again."""
    from sklearn.cluster import SpectralClustering

    if neighbors.dim() != 2 or neighbors.shape[0] != assignments.shape[0]:
        raise ValueError(
            f"merge_clusters: neighbors must be (N, k) indices for the N = {assignments.shape[0]} assigned examples, "
            f"got shape {tuple(neighbors.shape)}."
        )
    assignments, neighbors = assignments.long().cpu(), neighbors.long().cpu()
    edges = torch.zeros(num_clusters, num_clusters, dtype=torch.float64)  # (K, K) edges from cluster a to b
    ones = torch.ones(neighbors.numel(), dtype=torch.float64)
    edges.index_put_(
        (assignments[:, None].expand_as(neighbors).reshape(-1), assignments[neighbors].reshape(-1)),
        ones,
        accumulate=True,
    )
    live = torch.nonzero(torch.bincount(assignments, minlength=num_clusters) > 0).flatten()
    groups = torch.full((num_clusters,), -1, dtype=torch.long)
    if live.numel() <= num_groups:
        groups[live] = torch.arange(live.numel())
        return groups
    affinity = (edges + edges.T)[live][:, live] / 2  # (L, L) symmetric
    affinity.fill_diagonal_(0.0)
    cut = SpectralClustering(num_groups, affinity="precomputed", random_state=seed, assign_labels="discretize")
    groups[live] = torch.as_tensor(cut.fit_predict(affinity.numpy() + 1e-12), dtype=torch.long)
    return groups


def merged_clustering_accuracy(confusion: Tensor, groups: Tensor) -> Tensor:
    """One-to-one (Hungarian) accuracy after merging clusters: ``confusion`` (K, C) counts (predicted cluster x true
    class, ``ClusteringAccuracy.confusion``), ``groups`` (K,) from ``merge_clusters``; the rows of each group are
    summed, and examples in clusters of group -1 count as errors."""
    num_groups = int(groups.max()) + 1 if groups.numel() else 0
    kept = groups >= 0
    merged = torch.zeros(num_groups, confusion.shape[1], dtype=torch.float64)  # (G, C)
    merged.index_add_(0, groups[kept].cpu(), confusion[kept].double().cpu())
    mapping = best_cluster_mapping(merged)
    rows = torch.nonzero(mapping >= 0).flatten()
    return merged[rows, mapping[rows]].sum().float() / confusion.sum().clamp_min(1).float()


def clustering_accuracy(
    preds: Tensor, targets: Tensor, num_clusters: int, num_classes: int | None = None, mapping: str = "hungarian"
) -> Tensor:
    """Accuracy of cluster ids ``preds`` (N,) (or scores (N, K)) against ``targets`` (N,) under the best
    one-to-one matching of clusters to classes (``mapping="hungarian"``), or with each cluster mapped to
    its most frequent class (``"majority"``)."""
    metric = ClusteringAccuracy(num_clusters, num_classes, mapping=mapping).to(preds.device)
    metric.update(preds, targets)
    return metric.compute()


class ClusteringAccuracy(Metric):
    """torchmetrics Metric: accumulates the cluster-vs-class count matrix, then maps clusters to classes:
    ``mapping="hungarian"`` (default) the best one-to-one matching (with more clusters than classes the
    unmatched clusters count as errors), ``"majority"`` each cluster to its most frequent class (many-to-one:
    with K clusters >= classes it can only be higher; with K = N examples it is 1, so name K with it)."""

    is_differentiable = False
    higher_is_better = True
    full_state_update = False

    def __init__(self, num_clusters: int, num_classes: int | None = None, mapping: str = "hungarian", **kwargs) -> None:
        super().__init__(**kwargs)
        if mapping not in CLUSTER_MAPPINGS:
            raise ValueError(f"mapping must be one of {sorted(CLUSTER_MAPPINGS)}, got {mapping!r}.")
        self.mapping = mapping
        self.num_clusters = int(num_clusters)
        self.num_classes = int(num_classes if num_classes is not None else num_clusters)
        self.add_state(
            "confusion",
            default=torch.zeros(self.num_clusters, self.num_classes, dtype=torch.long),
            dist_reduce_fx="sum",
        )

    def update(self, preds: Tensor, targets: Tensor) -> None:
        if preds.dim() == 2:
            preds = preds.argmax(dim=1)
        flat = preds.long() * self.num_classes + targets.long()
        self.confusion += torch.bincount(flat, minlength=self.num_clusters * self.num_classes).view_as(self.confusion)

    def compute(self) -> Tensor:
        mapping = CLUSTER_MAPPINGS[self.mapping](self.confusion).to(self.confusion.device)
        keep = mapping >= 0
        rows = torch.arange(self.num_clusters, device=self.confusion.device)[keep]
        matched = self.confusion[rows, mapping[keep]].sum()
        return matched.float() / self.confusion.sum().clamp_min(1)


class ClassifierDiagnostics(Metric):
    """What a K-way classifier D says about a data split, accumulated over batches of logits (B, K) and
    labels (B,): the confusion matrix (true class x predicted class), the histogram of predicted
    classes, and the sums behind the CatGAN entropies. ``compute()`` returns a dict:

    - ``confusion`` (C, K) counts (C = ``num_classes`` of the labels, K = ``num_outputs`` of D, equal
      unless D clusters into more outputs than there are classes); ``class_freq`` (K,) fraction of
      examples predicted as each output;
    - ``marginal_entropy`` H[mean_i p(y|x_i)] and ``conditional_entropy`` mean_i H[p(y|x_i)] (nats);
    - ``error`` 1 - accuracy (argmax = label; only when C = K).
    """

    is_differentiable = False
    full_state_update = False

    def __init__(self, num_outputs: int, num_classes: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.num_outputs = k = int(num_outputs)
        self.num_classes = c = int(num_classes if num_classes is not None else num_outputs)
        self.add_state("confusion", default=torch.zeros(c, k, dtype=torch.long), dist_reduce_fx="sum")
        self.add_state("prob_sum", default=torch.zeros(k, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("entropy_sum", default=torch.zeros((), dtype=torch.float64), dist_reduce_fx="sum")

    def update(self, logits: Tensor, targets: Tensor) -> None:
        from catgan.losses import entropy

        logits = logits.detach().float()
        flat = targets.long() * self.num_outputs + logits.argmax(dim=1)
        self.confusion += torch.bincount(flat, minlength=self.num_classes * self.num_outputs).view_as(self.confusion)
        self.prob_sum += logits.softmax(dim=1).sum(dim=0).double()
        self.entropy_sum += entropy(logits).sum().double()

    def compute(self) -> Dict[str, Tensor]:
        count = self.confusion.sum().clamp_min(1)
        marginal = (self.prob_sum / count).clamp_min(1e-30)  # (K,)
        result = {
            "confusion": self.confusion,
            "class_freq": self.confusion.sum(dim=0).double() / count,
            "marginal_entropy": -(marginal * marginal.log()).sum(),
            "conditional_entropy": self.entropy_sum / count,
        }
        if self.num_classes == self.num_outputs:
            result["error"] = 1.0 - self.confusion.diagonal().sum().double() / count
        return result


# ----------------------------------------------------------------------------- sample quality
# Fréchet distance (FD, the FID formula) and kernel distance (KID) between real and generated images in
# the feature space of a classifier trained on the same data set: no download, unlike Inception FID.
# Both come from torchmetrics, given a feature nn.Module (no torch-fidelity needed for that case).


class _GivenFeatures(nn.Module):
    """Identity "extractor": lets torchmetrics' FID/KID score features computed elsewhere."""

    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.num_features = int(num_features)

    def forward(self, features: Tensor) -> Tensor:
        return features


def _check_features(real: Tensor, fake: Tensor) -> None:
    if real.dim() != 2 or fake.dim() != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"Expected (N, F) and (M, F) features, got {tuple(real.shape)} and {tuple(fake.shape)}.")
    if real.shape[0] < 2 or fake.shape[0] < 2:
        raise ValueError("Fréchet and kernel distances need at least 2 real and 2 generated examples.")


def frechet_distance(real_features: Tensor, fake_features: Tensor) -> Tensor:
    """||mu_r - mu_f||^2 + Tr(S_r + S_f - 2 (S_r S_f)^(1/2)) of Gaussians fitted to (N, F) and (M, F)
    features (torchmetrics' FID computation, in float64). Returns a float32 scalar."""
    from torchmetrics.image.fid import FrechetInceptionDistance

    _check_features(real_features, fake_features)
    metric = FrechetInceptionDistance(feature=_GivenFeatures(real_features.shape[1])).to(real_features.device)
    metric.update(real_features.float(), real=True)
    metric.update(fake_features.float(), real=False)
    return metric.compute().float()


def kernel_distance(
    real_features: Tensor, fake_features: Tensor, subsets: int = 100, subset_size: int = 1000, seed: int = 0
) -> Tuple[Tensor, Tensor]:
    """KID: the unbiased MMD^2 with the kernel k(a, b) = (a.b / F + 1)^3, averaged over ``subsets``
    random subsets of ``min(subset_size, N, M)`` examples (drawn from ``seed``; the global RNG is left
    untouched). Returns (mean, std over subsets)."""
    from torchmetrics.image.kid import KernelInceptionDistance

    _check_features(real_features, fake_features)
    size = min(subset_size, real_features.shape[0], fake_features.shape[0])
    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*will save all extracted features.*")
        metric = KernelInceptionDistance(
            feature=_GivenFeatures(real_features.shape[1]), subsets=subsets, subset_size=size
        ).to(real_features.device)
        metric.update(real_features.double(), real=True)
        metric.update(fake_features.double(), real=False)
        torch.manual_seed(seed)
        mean, std = metric.compute()
    return mean.float(), std.float()


@torch.no_grad()
def extract_features(extractor: nn.Module, images: Tensor, batch_size: int = 500) -> Tensor:
    """(N, *shape) images -> (N, F) features, computed in batches on the extractor's device."""
    device = next(extractor.parameters()).device
    return torch.cat([extractor(images[i : i + batch_size].to(device)) for i in range(0, images.shape[0], batch_size)])


def sample_quality(
    extractor: nn.Module,
    real_images: Tensor,
    fake_images: Tensor,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    seed: int = 0,
) -> Dict[str, Tensor]:
    """FD and KID of ``fake_images`` against ``real_images`` in the feature space of ``extractor``
    (e.g. ``catgan.feature_classifier.ClassifierFeatures``). Returns {"fd", "kid", "kid_std"}."""
    real, fake = extract_features(extractor, real_images), extract_features(extractor, fake_images)
    kid, kid_std = kernel_distance(real, fake, kid_subsets, kid_subset_size, seed)
    return {"fd": frechet_distance(real, fake), "kid": kid, "kid_std": kid_std}
