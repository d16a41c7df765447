"""Helpers for multi-process training: a differentiable all-gather of a batch across ranks, and a broadcast
of a module's state from rank 0 (after a data-dependent init, which each rank runs on its own batch).

CatGAN's marginal entropy H[mean_i p(y|x_i)] is a batch statistic; under DDP each rank sees only its
shard. ``all_gather_batch`` concatenates the shards of every rank (in rank order) with gradients
flowing back to each rank's own part, so the marginal can be taken over the global batch.
"""

from __future__ import annotations

import torch
from torch import Tensor


def world_size() -> int:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_world_size()
    return 1


def all_gather_batch(x: Tensor) -> Tensor:
    """(B, ...) on each of W ranks -> (W * B, ...) on every rank, differentiable; identity when W = 1.
    Every rank must pass the same batch size."""
    if world_size() == 1:
        return x
    from torch.distributed.nn.functional import all_gather

    return torch.cat(all_gather(x), dim=0)


def broadcast_module_state(module: torch.nn.Module, src: int = 0) -> None:
    """Copy ``module``'s parameters and buffers from rank ``src`` to every rank, in place; a no-op in one
    process. Used after the data-dependent init of a weight-normalized D: each rank initializes from its own
    batch (and noise draw), and DDP's broadcast at wrap time has already happened, so without this the ranks
    would train different scales and biases."""
    if world_size() == 1:
        return
    with torch.no_grad():
        for tensor in list(module.parameters()) + list(module.buffers()):
            torch.distributed.broadcast(tensor.data, src=src)
