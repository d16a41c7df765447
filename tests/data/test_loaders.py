"""catgan/data/loaders.py: TensorBatchLoader's batches, orders, passes, resume state and refusals."""

import pytest
import torch

from catgan.data.loaders import TensorBatchLoader


def batches(loader):
    return [b.tolist() for b in loader]


def test_batches_in_order_with_and_without_the_last_incomplete_one():
    x = torch.arange(10)
    keep = TensorBatchLoader(x, batch_size=3)
    assert len(keep) == 4 and batches(keep) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    drop = TensorBatchLoader(x, batch_size=3, drop_last=True)
    assert len(drop) == 3 and batches(drop) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_a_training_batch_is_never_larger_than_the_data():
    loader = TensorBatchLoader(torch.arange(4), batch_size=10, drop_last=True)
    assert len(loader) == 1 and batches(loader) == [[0, 1, 2, 3]]


def test_several_tensors_come_as_tuples_sliced_alike():
    x, y = torch.arange(6) * 10, torch.arange(6)
    (bx, by), _ = list(TensorBatchLoader(x, y, batch_size=3))
    assert bx.tolist() == [0, 10, 20] and by.tolist() == [0, 1, 2]


def test_the_shuffled_order_is_a_function_of_seed_epoch_and_pass():
    x = torch.arange(8)
    loader = TensorBatchLoader(x, batch_size=8, shuffle=True, seed=3)
    key = ((3 * 1_000_003 + 0) * 1_000_003 + 0) % 2**63  # seed 3, epoch 0, first pass
    assert batches(loader) == [torch.randperm(8, generator=torch.Generator().manual_seed(key)).tolist()]
    second = batches(loader)  # the second pass of the same epoch: a new order
    assert second == [torch.randperm(8, generator=torch.Generator().manual_seed(key + 1)).tolist()]
    loader.set_epoch(1)
    key1 = ((3 * 1_000_003 + 1) * 1_000_003 + 0) % 2**63
    assert batches(loader) == [torch.randperm(8, generator=torch.Generator().manual_seed(key1)).tolist()]


def test_state_dict_resumes_after_the_batches_served():
    loader = TensorBatchLoader(torch.arange(12), batch_size=3, shuffle=True, seed=1)
    loader.set_epoch(2)
    full = batches(loader)
    again = TensorBatchLoader(torch.arange(12), batch_size=3, shuffle=True, seed=1)
    again.set_epoch(2)
    iterator = iter(again)
    assert [next(iterator).tolist() for _ in range(2)] == full[:2]
    state = again.state_dict()
    assert state == {"epoch": 2, "cycle": 0, "served": 2, "seed": 1}
    resumed = TensorBatchLoader(torch.arange(12), batch_size=3, shuffle=True, seed=0)
    resumed.load_state_dict(state)
    assert batches(resumed) == full[2:]


def test_refusals_name_the_problem():
    with pytest.raises(ValueError, match="same first dimension"):
        TensorBatchLoader(torch.zeros(3), torch.zeros(4), batch_size=1)
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        TensorBatchLoader(torch.zeros(3), batch_size=0)
