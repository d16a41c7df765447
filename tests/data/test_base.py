"""The semi-supervised data module base: balanced seeded label splits, no leakage, batch layout, errors."""

import pytest
import torch

from catgan.data import DigitsDataModule, ToyDataModule, balanced_label_indices
from catgan.data.base import BaseSemiSupervisedDataModule


def test_balanced_label_indices_are_balanced_seeded_and_distinct():
    labels = torch.arange(300) % 3
    a = balanced_label_indices(labels, 30, 3, seed=0)
    assert torch.bincount(labels[a], minlength=3).tolist() == [10, 10, 10]
    assert a.unique().numel() == 30
    assert torch.equal(a, balanced_label_indices(labels, 30, 3, seed=0))
    assert not torch.equal(a, balanced_label_indices(labels, 30, 3, seed=1))


@pytest.mark.parametrize(
    "num_labeled, message",
    [
        (-10, "integer >= 0"),
        (55, "not divisible by the 10 classes"),
        (5000, "exceeds the"),
    ],
)
def test_bad_num_labeled_is_a_clear_error(num_labeled, message):
    with pytest.raises(ValueError, match=message):
        dm = DigitsDataModule(num_labeled=num_labeled)
        dm.setup()


def test_too_few_examples_in_a_class_names_the_limit():
    labels = torch.tensor([0] * 50 + [1] * 3)
    with pytest.raises(ValueError, match="class 1 has only 3"):
        balanced_label_indices(labels, 10, 2, seed=0)


def test_digits_splits_are_disjoint_stratified_and_fixed():
    test, val, train = BaseSemiSupervisedDataModule.stratified_split(torch.arange(1000) % 10, (300, 100), seed=0)
    assert len(test) == 300 and len(val) == 100 and len(train) == 600
    assert torch.cat([test, val, train]).sort().values.tolist() == list(range(1000))
    assert torch.bincount(torch.arange(1000)[test] % 10).tolist() == [30] * 10

    a, b = DigitsDataModule(num_labeled=50, seed=0), DigitsDataModule(num_labeled=50, seed=1)
    a.setup(), b.setup()
    assert a.splits.train_x.shape == (1097, 1, 8, 8) and a.splits.test_x.shape == (500, 1, 8, 8)
    assert torch.equal(a.splits.test_x, b.splits.test_x)  # every label split is scored on the same images
    assert 0.0 <= a.splits.train_x.min() and a.splits.train_x.max() <= 1.0
    assert not torch.equal(a.labeled_indices, b.labeled_indices)


def test_labeled_examples_come_from_the_training_split_only():
    dm = DigitsDataModule(num_labeled=50, seed=3)
    dm.setup()
    assert torch.bincount(dm.splits.train_y[dm.labeled_indices], minlength=10).tolist() == [5] * 10
    batch = next(iter(dm.train_dataloader()))[0]
    x_l, y_l = batch["labeled"]
    # every labeled image is a row of the chosen subset of the training split, with its own label
    chosen_x, chosen_y = dm.splits.train_x[dm.labeled_indices], dm.splits.train_y[dm.labeled_indices]
    match = (x_l.flatten(1)[:, None, :] == chosen_x.flatten(1)[None, :, :]).all(-1)  # (B, 50)
    assert match.any(1).all()
    assert torch.equal(chosen_y[match.float().argmax(1)], y_l)


def test_train_batches_layout_and_epoch_length():
    dm = DigitsDataModule(num_labeled=20, seed=0, batch_size=100, labeled_batch_size=50)
    dm.setup()
    batches = [b for b, _, _ in dm.train_dataloader()]
    assert len(batches) == 1097 // 100  # the unlabeled stream defines the epoch
    first = batches[0]
    assert first["unlabeled"].shape == (100, 1, 8, 8)
    x_l, y_l = first["labeled"]
    assert x_l.shape == (20, 1, 8, 8) and y_l.shape == (20,)  # labeled batch capped at num_labeled
    x, y = next(iter(dm.val_dataloader()))
    assert x.shape == (200, 1, 8, 8) and y.dtype == torch.long


def test_unsupervised_batches_have_no_labels():
    dm = ToyDataModule(kind="moons", num_labeled=0)
    dm.setup()
    batch = next(iter(dm.train_dataloader()))[0]
    assert set(batch) == {"unlabeled"} and batch["unlabeled"].shape == (100, 2)
    assert dm.image_shape == (2,) and dm.num_classes == 2
    assert ToyDataModule(kind="blobs", num_blobs=5).num_classes == 5


def test_unknown_toy_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="moons, circles, blobs"):
        ToyDataModule(kind="spirals")


def test_validation_per_label_split_keeps_the_test_images_and_never_overlaps():
    """``val_per_split``: each label split draws its own validation images from the non-test ones (stratified);
    the test images stay those of ``split_seed``; no image is in two splits."""
    fixed = DigitsDataModule(num_labeled=100, seed=5)
    fixed.setup()
    rows = {}
    for seed in (5, 6):
        dm = DigitsDataModule(num_labeled=100, seed=seed, val_per_split=True)
        dm.setup()
        assert torch.equal(dm.splits.test_x, fixed.splits.test_x)
        assert dm.splits.val_y.bincount().tolist() == [20] * 10
        parts = [dm.splits.train_x, dm.splits.val_x, dm.splits.test_x]
        assert sum(p.shape[0] for p in parts) == 1797
        rows[seed] = {tuple(r.tolist()) for r in dm.splits.val_x.flatten(1)}
        train_rows = {tuple(r.tolist()) for r in dm.splits.train_x.flatten(1)}
        test_rows = {tuple(r.tolist()) for r in dm.splits.test_x.flatten(1)}
        assert not (rows[seed] & test_rows)
        # digits has a few duplicate images; a validation image may equal a training one only as such a duplicate
        assert len(rows[seed] & train_rows) <= 5
    assert len(rows[5] & rows[6]) < 100  # different draws (by chance ~200 * 200 / 1297 ~ 31 shared)
