"""Distances to nearest neighbours in an in-memory data set: the per-example scale of VAT's radius (IMSAT).

Hu et al. 2017 (IMSAT, arXiv 1702.08720) perturb each example within a radius proportional to its distance to
its 10th nearest neighbour, so that dense regions (MNIST's ones) get small radii and sparse ones large radii.
``kth_neighbor_distances`` computes those distances exactly, by brute force in row chunks: for MNIST's 50,000
training images it is ~4e12 multiply-adds (about a minute on one CPU thread), done once per fit.
``nearest_neighbors`` returns the whole neighbour lists (distances and indices): the k-nearest-neighbour graph
that ``catgan.metrics.merge_clusters`` uses to merge clusters without labels.
"""

from __future__ import annotations

from typing import Tuple

import torch
from torch import Tensor


def nearest_neighbors(x: Tensor, k: int, chunk: int = 1024) -> Tuple[Tensor, Tensor]:
    """The ``k`` nearest *other* examples of each example of ``x`` (N, ...), by Euclidean distance: distances (N, k)
    and indices (N, k), nearest first (an exact duplicate counts as a neighbour at distance 0). Computed in float32
    from squared norms, ``|a|^2 + |b|^2 - 2 a.b``, ``chunk`` rows at a time; memory ``chunk * N`` floats."""
    n = x.shape[0]
    if not isinstance(k, int) or k < 1 or k >= n:
        raise ValueError(f"k must be an integer in [1, {n - 1}] (there are {n} examples), got {k!r}.")
    flat = x.reshape(n, -1).float()  # (N, P)
    sq = flat.square().sum(dim=1)  # (N,)
    distances = torch.empty(n, k, dtype=flat.dtype, device=flat.device)
    indices = torch.empty(n, k, dtype=torch.long, device=flat.device)
    for start in range(0, n, chunk):
        rows = flat[start : start + chunk]  # (C, P)
        d2 = sq[start : start + chunk, None] + sq[None, :] - 2.0 * rows @ flat.T  # (C, N)
        own = torch.arange(rows.shape[0], device=flat.device)
        d2[own, own + start] = float("inf")  # not its own neighbour
        nearest = d2.topk(k, dim=1, largest=False)  # sorted, nearest first
        distances[start : start + chunk] = nearest.values
        indices[start : start + chunk] = nearest.indices
    return distances.clamp_min_(0.0).sqrt_(), indices


def kth_neighbor_distances(x: Tensor, k: int, chunk: int = 1024) -> Tensor:
    """(N,) Euclidean distance from each example of ``x`` (N, ...) to its ``k``-th nearest *other* example
    (``nearest_neighbors``' last column)."""
    return nearest_neighbors(x, k, chunk)[0][:, -1].contiguous()
