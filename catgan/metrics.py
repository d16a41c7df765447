"""Evaluation metrics: clustering accuracy with Hungarian matching (for unsupervised CatGAN).

Classification accuracy itself comes from torchmetrics (``MulticlassAccuracy``); this file adds what
torchmetrics lacks: the best one-to-one matching of predicted clusters to true classes.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torchmetrics import Metric


def best_cluster_mapping(confusion: Tensor) -> Tensor:
    """For a (K_pred, K_true) count matrix, the true class assigned to each predicted cluster by the
    Hungarian algorithm (maximizing matched counts). Returns (K_pred,) int64; unmatched clusters -> -1."""
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(confusion.detach().cpu().numpy(), maximize=True)
    mapping = torch.full((confusion.shape[0],), -1, dtype=torch.long)
    mapping[torch.as_tensor(rows, dtype=torch.long)] = torch.as_tensor(cols, dtype=torch.long)
    return mapping


def clustering_accuracy(preds: Tensor, targets: Tensor, num_clusters: int, num_classes: int | None = None) -> Tensor:
    """Accuracy of cluster ids ``preds`` (N,) (or scores (N, K)) against ``targets`` (N,) under the best
    one-to-one matching of clusters to classes."""
    metric = ClusteringAccuracy(num_clusters, num_classes).to(preds.device)
    metric.update(preds, targets)
    return metric.compute()


class ClusteringAccuracy(Metric):
    """torchmetrics Metric: accumulates the cluster-vs-class count matrix, then Hungarian-matches it."""

    is_differentiable = False
    higher_is_better = True
    full_state_update = False

    def __init__(self, num_clusters: int, num_classes: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.num_clusters = int(num_clusters)
        self.num_classes = int(num_classes if num_classes is not None else num_clusters)
        self.add_state("confusion", default=torch.zeros(self.num_clusters, self.num_classes, dtype=torch.long),
                       dist_reduce_fx="sum")

    def update(self, preds: Tensor, targets: Tensor) -> None:
        if preds.dim() == 2:
            preds = preds.argmax(dim=1)
        flat = preds.long() * self.num_classes + targets.long()
        self.confusion += torch.bincount(flat, minlength=self.num_clusters * self.num_classes).view_as(self.confusion)

    def compute(self) -> Tensor:
        mapping = best_cluster_mapping(self.confusion).to(self.confusion.device)
        keep = mapping >= 0
        rows = torch.arange(self.num_clusters, device=self.confusion.device)[keep]
        matched = self.confusion[rows, mapping[keep]].sum()
        return matched.float() / self.confusion.sum().clamp_min(1)
