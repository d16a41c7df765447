"""Clustering accuracy with Hungarian matching, and the many-to-one (majority) mapping."""

import pytest
import torch

from catgan.metrics import ClusteringAccuracy, clustering_accuracy, merge_clusters, merged_clustering_accuracy


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


def _two_rings_graph(n_half):
    """Each example's two neighbours in a graph of two rings of ``n_half`` examples each (previous and next
    example within its ring), joined by a single edge (example 0 -> example n_half)."""
    rows = [[(i - 1) % n_half + half, (i + 1) % n_half + half] for half in (0, n_half) for i in range(n_half)]
    rows[0][0] = n_half
    return torch.tensor(rows)


def test_merge_clusters_joins_the_clusters_the_graph_joins_and_scores_them_one_to_one():
    # six clusters of 10 examples: 0, 1, 2 along one ring of 30 examples, 3, 4, 5 along another, one edge between
    # the rings; so the graph says {0, 1, 2} and {3, 4, 5}
    assignments = torch.tensor([c for c in (0, 1, 2, 3, 4, 5) for _ in range(10)])
    neighbors = _two_rings_graph(30)
    groups = merge_clusters(assignments, neighbors, num_clusters=7, num_groups=2)  # cluster 6 has no member
    assert groups[6].item() == -1
    assert len(set(groups[:3].tolist())) == 1 and len(set(groups[3:6].tolist())) == 1
    assert groups[0].item() != groups[3].item()
    # scoring: class 0 is the first ring, class 1 the second, but 2 of cluster 4's 10 test examples are class 0, and 3
    # more test examples fall in the memberless cluster 6 (errors): group {0,1,2} -> 0 (30), {3,4,5} -> 1 (28): 58 / 63
    confusion = torch.zeros(7, 2, dtype=torch.long)
    confusion[:3, 0] = 10
    confusion[3:6, 1] = 10
    confusion[4] = torch.tensor([2, 8])
    confusion[6] = torch.tensor([3, 0])
    accuracy = merged_clustering_accuracy(confusion, groups).item()
    assert accuracy == pytest.approx(58 / 63)
    # without merging, one-to-one matches only 2 of the 7 clusters: 10 + 10 of 63
    pairs = [(k, c) for k in range(7) for c in range(2) for _ in range(int(confusion[k, c]))]
    preds, targets = torch.tensor(pairs).T
    unmerged = ClusteringAccuracy(7, 2)
    unmerged.update(preds, targets)
    assert torch.equal(unmerged.confusion, confusion)
    assert unmerged.compute().item() == pytest.approx(20 / 63)


def test_merge_clusters_keeps_every_cluster_when_there_are_few_and_refuses_a_bad_graph():
    assignments = torch.tensor([0, 0, 2, 2])
    groups = merge_clusters(assignments, _two_rings_graph(2), num_clusters=3, num_groups=2)
    assert groups.tolist() == [0, -1, 1]
    with pytest.raises(ValueError, match=r"\(N, k\) indices for the N = 4"):
        merge_clusters(assignments, torch.zeros(3, 2, dtype=torch.long), 3, 2)
