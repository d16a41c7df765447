"""Nearest neighbours (catgan/data/neighbors.py): distances and neighbour lists, exact against a float64 reference."""

import pytest
import torch

from catgan.data.neighbors import kth_neighbor_distances, nearest_neighbors


def test_kth_neighbor_distances_match_a_float64_reference_and_skip_the_example_itself():
    torch.manual_seed(0)
    x = torch.rand(300, 1, 4, 5)
    for k in (1, 3):
        ref = torch.cdist(x.flatten(1).double(), x.flatten(1).double())
        ref.fill_diagonal_(float("inf"))
        expected = ref.topk(k, dim=1, largest=False).values[:, -1]
        got = kth_neighbor_distances(x, k, chunk=64)  # several chunks, the last one short
        torch.testing.assert_close(got.double(), expected, rtol=1e-4, atol=1e-4)


def test_on_a_line_by_hand_and_duplicates_count():
    x = torch.tensor([[0.0], [1.0], [3.0], [3.0]])
    # neighbours of 0: 1 (1), 3 (3); of 1: 0 (1), 3 (2); of 3: the other 3 (0), then 1 (2)
    assert kth_neighbor_distances(x, 1).tolist() == [1.0, 1.0, 0.0, 0.0]
    assert kth_neighbor_distances(x, 2).tolist() == [3.0, 2.0, 2.0, 2.0]
    with pytest.raises(ValueError, match=r"k must be an integer in \[1, 3\]"):
        kth_neighbor_distances(x, 4)


def test_nearest_neighbors_lists_match_a_float64_reference_nearest_first():
    torch.manual_seed(1)
    x = torch.rand(200, 6)
    ref = torch.cdist(x.double(), x.double())
    ref.fill_diagonal_(float("inf"))
    expected = ref.topk(4, dim=1, largest=False)
    distances, indices = nearest_neighbors(x, 4, chunk=48)
    torch.testing.assert_close(distances.double(), expected.values, rtol=1e-4, atol=1e-4)
    assert torch.equal(indices, expected.indices)  # random points: no ties
    assert not (indices == torch.arange(200)[:, None]).any()  # never its own neighbour
    torch.testing.assert_close(kth_neighbor_distances(x, 4, chunk=48), distances[:, -1])
