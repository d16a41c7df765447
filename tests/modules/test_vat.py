"""VAT with one radius per example (``catgan.regularizers.VAT(neighbors=k)``): radii from the data, batches that
say their rows, and the D step that uses them."""

import pytest
import torch
from torch.utils.data import DataLoader

import catgan.regularizers
from catgan import CatGAN
from catgan.data import DigitsDataModule
from catgan.data.neighbors import kth_neighbor_distances
from catgan.nets import MLPDiscriminator, MLPGenerator
from catgan.regularizers import VAT
from tests.conftest import quiet_trainer


def test_index_batches_name_the_rows_of_their_images_and_are_off_by_default():
    dm = DigitsDataModule(num_labeled=0, seed=3, batch_size=100)
    dm.setup()
    assert set(next(iter(dm.train_dataloader()))[0]) == {"unlabeled"}
    dm.unlabeled_index = True
    loader = dm.train_dataloader()
    rows = []
    for epoch in range(2):
        for stream in loader.iterables.values():  # as Lightning does at each epoch start
            stream.set_epoch(epoch)
        for batch, _, _ in loader:
            assert torch.equal(dm.splits.train_x[batch["unlabeled_index"]], batch["unlabeled"])
            rows.append(batch["unlabeled_index"])
    assert len(torch.cat(rows).unique()) > 1000  # a shuffled pass over the 1,097 training images


def small_catgan(vat=None, **kwargs):
    torch.manual_seed(0)
    return CatGAN(
        d_regularizers=[VAT(**vat)] if vat is not None else None,
        image_shape=(1, 8, 8),
        num_classes=10,
        latent_dim=8,
        generator=MLPGenerator(8, (1, 8, 8), hidden=(32,)),
        discriminator=MLPDiscriminator((1, 8, 8), 10, hidden=(32,), batch_norm=True),
        **kwargs,
    )


def fit_steps(model, datamodule, steps):
    trainer = quiet_trainer(max_epochs=None, max_steps=steps, log_every_n_steps=1)
    trainer.fit(model, datamodule=datamodule)
    return trainer


def test_radii_are_eps_times_the_kth_neighbour_distance_and_change_the_d_update():
    dm = DigitsDataModule(num_labeled=0, seed=0, batch_size=50)
    model = small_catgan(vat={"weight": 1.0, "eps": 0.25, "neighbors": 10})
    trainer = fit_steps(model, dm, 4)
    expected = 0.25 * kth_neighbor_distances(dm.splits.train_x, 10)
    torch.testing.assert_close(model.d_regularizers[0].radius, expected)
    assert float(trainer.callback_metrics["train/d/vat"]) > 0
    # the same radius for all (eps = the median radius) is a different D update
    fixed = small_catgan(vat={"weight": 1.0, "eps": float(expected.median())})
    fit_steps(fixed, DigitsDataModule(num_labeled=0, seed=0, batch_size=50), 4)
    pairs = zip(model.discriminator.parameters(), fixed.discriminator.parameters())
    assert any(not torch.allclose(a, b) for a, b in pairs)


def test_the_batch_radii_are_looked_up_by_row(monkeypatch):
    dm = DigitsDataModule(num_labeled=0, seed=0, batch_size=50)
    model = small_catgan(vat={"weight": 1.0, "eps": 0.5, "neighbors": 3})
    fit_steps(model, dm, 2)
    seen = {}

    def spy(classify, x, eps, xi):
        seen["eps"] = eps
        return torch.tensor(0.0, requires_grad=True), {"vat": torch.tensor(0.0)}

    monkeypatch.setattr(catgan.regularizers, "virtual_adversarial_loss", spy)
    rows = torch.tensor([5, 7, 11])
    model.d_regularizers[0].term(model, {"unlabeled": dm.splits.train_x[rows], "unlabeled_index": rows}, None)
    torch.testing.assert_close(seen["eps"], 0.5 * kth_neighbor_distances(dm.splits.train_x, 3)[rows])


def test_the_regularizer_passes_xi_to_the_power_iteration(monkeypatch):
    """The unsupervised MNIST recipe sets xi 10: the D step must use it (not the loss's default 1e-3)."""
    dm = DigitsDataModule(num_labeled=0, seed=0, batch_size=50)
    dm.setup()
    seen = {}

    def spy(classify, x, eps, xi):
        seen["xi"] = xi
        return torch.tensor(0.0, requires_grad=True), {"vat": torch.tensor(0.0)}

    monkeypatch.setattr(catgan.regularizers, "virtual_adversarial_loss", spy)
    for xi in (1e-3, 10.0):
        model = small_catgan(vat={"weight": 1.0, "eps": 0.5, "xi": xi})
        model.d_regularizers[0].term(model, {"unlabeled": dm.splits.train_x[:4]}, None)
        assert seen["xi"] == xi


def test_vat_errors_name_the_fix():
    with pytest.raises(ValueError, match="integer >= 0"):
        small_catgan(vat={"neighbors": -1})
    with pytest.raises(ValueError, match="eps and xi must be > 0"):
        small_catgan(vat={"eps": 0.0})
    with pytest.raises(ValueError, match="weight must be >= 0"):
        small_catgan(vat={"weight": -1.0})
    model = small_catgan(vat={"weight": 1.0, "neighbors": 10})
    x = torch.rand(16, 1, 8, 8)
    trainer = quiet_trainer(max_steps=1)
    with pytest.raises(ValueError, match="needs a catgan data module"):
        trainer.fit(model, train_dataloaders=DataLoader([{"unlabeled": x}], batch_size=None))
