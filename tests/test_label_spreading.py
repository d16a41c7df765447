"""catgan.label_spreading: labels spread over the k-NN graph of D's features, mixed with D's probabilities."""

from types import SimpleNamespace

import pytest
import torch
from torch import nn

from catgan.label_spreading import discriminator_features, spread_labels, spread_through_features


def _blobs(n_per_blob=20, seed=0):
    """Two tight clusters in different directions (cosine neighbours never cross): (2n, 3) and their classes."""
    g = torch.Generator().manual_seed(seed)
    a = torch.tensor([1.0, 0.0, 0.0]) + 0.05 * torch.randn(n_per_blob, 3, generator=g)
    b = torch.tensor([0.0, 1.0, 0.0]) + 0.05 * torch.randn(n_per_blob, 3, generator=g)
    return torch.cat([a, b]), torch.cat([torch.zeros(n_per_blob), torch.ones(n_per_blob)]).long()


def test_one_label_per_cluster_names_every_point_of_it_and_an_unlabeled_class_gets_nothing():
    x, y = _blobs()
    labeled = torch.tensor([3, 25])  # one example of each cluster
    spread = spread_labels(x, labeled, y[labeled], num_classes=3, neighbors=5)  # (40, 3)
    assert spread.shape == (40, 3)
    assert torch.equal(spread.argmax(1), y)
    assert torch.all(spread[:, 2] == 0)  # class 2 has no label: probability 0, not a shifted column
    assert torch.allclose(spread.sum(1), torch.ones(40), atol=1e-5)
    with pytest.raises(ValueError, match="one label per labeled row"):
        spread_labels(x, labeled, y[:1], num_classes=3)


class _Identity(nn.Module):
    """A 'D' whose features are its input and whose logits are fixed per example (to make D wrong on purpose)."""

    def __init__(self, logits_of):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(()))
        self.logits_of = logits_of

    def features(self, x):
        return x + 0 * self.w

    def forward(self, x):
        return self.logits_of(x)


class _Module(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.classifying_discriminator, self.num_classes = d, 2

    def classify(self, x):
        return self.classifying_discriminator(x)


def _data(val_labels):
    x, y = _blobs(25)
    train = torch.cat([torch.arange(0, 20), torch.arange(25, 45)])
    val = torch.cat([torch.arange(20, 25), torch.arange(45, 50)])
    splits = SimpleNamespace(
        train_x=x[train], train_y=y[train], val_x=x[val], val_y=val_labels(y[val]), test_x=x[:0], test_y=y[:0]
    )
    data = SimpleNamespace(splits=splits, labeled_indices=torch.tensor([0, 20]), setup=lambda stage: None)
    data.val_dataloader = lambda: [(splits.val_x, splits.val_y)]
    return data


def test_mixing_weight_zero_is_d_one_is_spreading_and_the_split_labels_are_only_scored():
    always_class_0 = _Module(_Identity(lambda x: torch.stack([torch.ones(len(x)), torch.zeros(len(x))], 1)))
    errors = spread_through_features(always_class_0, _data(lambda y: y), "val", neighbors=5, weights=(0.0, 1.0))
    assert errors == {"0": 0.5, "1": 0.0}  # D says class 0 for all 10; the graph names both clusters right
    flipped = spread_through_features(always_class_0, _data(lambda y: 1 - y), "val", neighbors=5, weights=(1.0,))
    assert flipped == {"1": 1.0}  # wrong split labels do not move the spread: they are not read to predict
    with pytest.raises(ValueError, match="split is empty"):
        spread_through_features(always_class_0, _data(lambda y: y), "test")


def test_features_come_from_the_classifying_d_in_eval_mode_and_the_mode_is_restored():
    d = nn.Sequential(nn.Dropout(0.9))
    d.features = d.forward
    module = _Module(d.train())
    x = torch.ones(7, 4)
    assert torch.equal(discriminator_features(module, x, batch_size=3), x)  # dropout off: eval mode
    assert d.training
    with pytest.raises(TypeError, match="no features"):
        discriminator_features(nn.Linear(2, 2), x)


def test_labels_reach_the_far_end_of_a_long_chain_with_the_default_alpha():
    # two arcs of 300 points each, far apart in cosine; one label at the start of each arc. The far ends are ~60
    # hops of the 10-NN graph away: sklearn's default alpha 0.2 stops after a few steps and leaves them unreached
    # (all-zero rows, argmax class 0), the default alpha 0.99 names every point.
    theta = torch.linspace(0, 0.6, 300)
    arc_a = torch.stack([theta.cos(), theta.sin(), torch.zeros(300)], 1)  # (300, 3)
    arc_b = torch.stack([-theta.cos(), torch.zeros(300), theta.sin()], 1)  # (300, 3)
    features = torch.cat([arc_a, arc_b])  # (600, 3)
    labeled, labels = torch.tensor([0, 300]), torch.tensor([0, 1])
    truth = torch.cat([torch.zeros(300), torch.ones(300)]).long()
    assert spread_labels(features, labeled, labels, num_classes=2).argmax(1).equal(truth)
    shallow = spread_labels(features, labeled, labels, num_classes=2, alpha=0.2).argmax(1)
    assert shallow[300:].eq(0).sum() > 100  # the far end of arc B left unreached
