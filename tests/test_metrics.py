"""Clustering accuracy with Hungarian matching, and the many-to-one (majority) mapping."""

import pytest
import torch

from catgan.metrics import ClusteringAccuracy, clustering_accuracy


def test_permuted_clusters_score_perfectly():
    targets = torch.tensor([0, 0, 1, 1, 2, 2])
    assert clustering_accuracy(torch.tensor([2, 2, 0, 0, 1, 1]), targets, 3).item() == 1.0


def test_best_matching_not_majority_vote():
    # clusters 0 and 1 both mostly hold class 0: a majority vote would give 5/6, one-to-one gives 4/6
    targets = torch.tensor([0, 0, 0, 0, 1, 1])
    preds = torch.tensor([0, 0, 1, 1, 1, 1])
    assert abs(clustering_accuracy(preds, targets, 2).item() - 4 / 6) < 1e-6


def test_metric_accumulates_batches_and_resets():
    metric = ClusteringAccuracy(3)
    metric.update(torch.tensor([1, 1]), torch.tensor([0, 0]))
    metric.update(torch.tensor([0, 2]), torch.tensor([1, 1]))
    assert abs(metric.compute().item() - 3 / 4) < 1e-6
    metric.reset()
    metric.update(torch.eye(3), torch.tensor([0, 1, 2]))  # scores are argmaxed
    assert metric.compute().item() == 1.0


def test_majority_mapping_is_many_to_one_and_named():
    # cluster 0 holds classes {0, 0}, cluster 1 {0, 0, 1, 1} (a tie -> the lower class, 0): 4/6; cluster 2 is empty
    targets = torch.tensor([0, 0, 0, 0, 1, 1])
    preds = torch.tensor([0, 0, 1, 1, 1, 1])
    assert abs(clustering_accuracy(preds, targets, 3, 2, mapping="majority").item() - 4 / 6) < 1e-6
    # four clusters for two classes: clusters 0, 1 -> class 0 and 2, 3 -> class 1 (majority: all right);
    # one-to-one can match only two of the four clusters
    targets = torch.tensor([0, 0, 0, 1, 1, 1, 1, 0])
    preds = torch.tensor([0, 0, 1, 2, 2, 3, 3, 1])
    assert clustering_accuracy(preds, targets, 4, 2, mapping="majority").item() == 1.0
    assert abs(clustering_accuracy(preds, targets, 4, 2).item() - 4 / 8) < 1e-6  # clusters 0 and 2 (or 1 and 3 ...)
    with pytest.raises(ValueError, match="majority"):
        ClusteringAccuracy(4, 2, mapping="vote")
