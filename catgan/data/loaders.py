"""In-memory batch loader: whole batches sliced from tensors, seeded per epoch, sharded per rank, resumable.

``TensorBatchLoader`` is a plain iterable (not a ``DataLoader``), so Lightning leaves it alone under
DDP (no sampler injection) and saves/restores its ``state_dict`` in checkpoints:

- the order of a pass is a permutation drawn from ``seed``, the trainer's epoch (Lightning calls
  ``loader.sampler.set_epoch(epoch)`` each epoch) and the pass within that epoch (a small labeled set
  is cycled several times per epoch) only, never from the global RNG, so a run resumed from a
  checkpoint, mid-epoch or at an epoch's end, sees exactly the batches an uninterrupted run would;
- under ``torch.distributed`` each rank takes a disjoint, equally long share of every epoch's order;
- ``state_dict()`` records the epoch and the batches already served; ``load_state_dict`` resumes there;
- an optional ``transform(x, generator)`` (e.g. ``catgan.data.augment.RandomShift``) changes the first tensor
  of each batch with a generator seeded by the same position (seed, epoch, pass, batch, rank), so random
  augmentation resumes exactly too.

One ``index_select`` per batch, no per-example collation and no worker processes: for the small
models of this library the loader costs microseconds per batch.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, Optional, Tuple, Union

import torch
from torch import Tensor

Batch = Union[Tensor, Tuple[Tensor, ...]]
Transform = Callable[[Tensor, torch.Generator], Tensor]


def _rank_and_world() -> Tuple[int, int]:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


class TensorBatchLoader:
    """Iterates ``tensors`` (same first dimension N) in batches of ``batch_size``.

    Args:
        shuffle: a fresh permutation each epoch, from ``seed`` and the epoch number.
        drop_last: drop the last incomplete batch (training) or keep it (evaluation).
        shard: split each epoch across distributed ranks (training); evaluation loaders are not
            sharded, so every rank scores the whole split.
        transform: ``transform(x, generator) -> x`` applied to the first tensor of every batch (training
            augmentation), with a generator seeded by the batch's position.
    """

    def __init__(
        self,
        *tensors: Tensor,
        batch_size: int,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int = 0,
        shard: bool = True,
        transform: Optional[Transform] = None,
    ) -> None:
        if not tensors or any(t.shape[0] != tensors[0].shape[0] for t in tensors):
            raise ValueError("TensorBatchLoader needs tensors with the same first dimension.")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
        self.tensors = tensors
        self.batch_size, self.shuffle, self.drop_last = int(batch_size), shuffle, drop_last
        self.seed, self.shard, self.transform = int(seed), shard, transform
        self.epoch = 0  # the trainer's epoch (set_epoch), or 0 outside a Trainer
        self.cycle = 0  # completed passes over the data within this epoch
        self._served = 0  # batches of the current pass already handed out
        self._resume_from = 0

    batch_sampler = None  # read by Lightning next to ``sampler``

    @property
    def sampler(self) -> TensorBatchLoader:
        """Lightning calls ``dataloader.sampler.set_epoch(epoch)`` at every epoch start."""
        return self

    def set_epoch(self, epoch: int) -> None:
        if int(epoch) != self.epoch:  # a new epoch (a resumed one keeps its loaded position)
            self.epoch, self.cycle, self._served, self._resume_from = int(epoch), 0, 0, 0

    @property
    def num_examples(self) -> int:
        return self.tensors[0].shape[0]

    def _share(self) -> int:
        rank, world = _rank_and_world() if self.shard else (0, 1)
        return self.num_examples // world if world > 1 else self.num_examples

    def _batch_size(self) -> int:
        # a training batch is never larger than this rank's share (e.g. 50 labels over 2 ranks: 25 each)
        return min(self.batch_size, max(1, self._share())) if self.drop_last else self.batch_size

    def __len__(self) -> int:
        n, batch_size = self._share(), self._batch_size()
        return n // batch_size if self.drop_last else -(-n // batch_size)

    def _order(self) -> Tensor:
        n = self.num_examples
        if self.shuffle:
            generator = torch.Generator().manual_seed(
                ((self.seed * 1_000_003 + self.epoch) * 1_000_003 + self.cycle) % 2**63
            )
            order = torch.randperm(n, generator=generator)
        else:
            order = torch.arange(n)
        rank, world = _rank_and_world() if self.shard else (0, 1)
        if world > 1:
            share = n // world
            order = order[rank * share : (rank + 1) * share]
        return order

    def _batch_generator(self, i: int) -> torch.Generator:
        """The transform's random source for batch ``i`` of this pass: a function of the position only."""
        rank = _rank_and_world()[0] if self.shard else 0
        key = self.seed
        for part in (self.epoch, self.cycle, i, rank):
            key = (key * 1_000_003 + part) % 2**61
        return torch.Generator().manual_seed(key ^ 0x5EED5_41F7)

    def __iter__(self) -> Iterator[Batch]:
        order = self._order()
        start, self._resume_from = self._resume_from, 0
        self._served = start
        batch_size = self._batch_size()
        try:
            for i in range(start, len(self)):
                index = order[i * batch_size : (i + 1) * batch_size]
                self._served = i + 1
                items = tuple(t[index] for t in self.tensors)
                if self.transform is not None:
                    items = (self.transform(items[0], self._batch_generator(i)), *items[1:])
                yield items[0] if len(items) == 1 else items
        finally:
            if self._served >= len(self):  # finished: the next pass draws a new order
                self.cycle += 1
                self._served = 0

    def state_dict(self) -> Dict[str, Any]:
        return {"epoch": self.epoch, "cycle": self.cycle, "served": self._served, "seed": self.seed}

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        self.epoch, self.cycle, self.seed = int(state["epoch"]), int(state.get("cycle", 0)), int(state["seed"])
        self._resume_from = int(state["served"])
