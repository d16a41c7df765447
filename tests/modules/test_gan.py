"""Binary GAN module: each loss kind trains, WGAN-GP adds its penalty, bad kinds fail early."""

import pytest
import torch
from torch.utils.data import DataLoader

from catgan import GAN
from catgan.losses import GAN_LOSS_KINDS
from catgan.regularizers import GradientPenalty
from tests.conftest import quiet_trainer


def fit_batches(model, batches):
    trainer = quiet_trainer()
    trainer.fit(model, train_dataloaders=DataLoader(batches, batch_size=None))
    return trainer


@pytest.mark.parametrize("kind", GAN_LOSS_KINDS)
def test_each_loss_kind_runs_and_logs_value_and_total(kind):
    torch.manual_seed(0)
    penalty = [GradientPenalty(weight=10.0)] if kind == "wasserstein" else None
    model = GAN(image_shape=(2,), loss=kind, d_regularizers=penalty)
    trainer = fit_batches(model, [{"unlabeled": torch.randn(16, 2)} for _ in range(3)])
    logged = trainer.callback_metrics
    assert {"train/d/value", "train/d/loss", "train/g/loss", "train/loss_total"} <= set(logged)
    assert torch.isfinite(logged["train/loss_total"])
    if kind == "wasserstein":
        assert "train/d/gradient_penalty" in logged


def test_discriminator_step_separates_real_from_fake():
    """A few D-only updates (G frozen) must raise D's estimate of the value V(D, G)."""
    torch.manual_seed(0)
    model = GAN(image_shape=(2,), loss="non_saturating", lr_d=1e-2, lr_g=0.0)
    real = torch.randn(64, 2) + 4.0
    trainer = fit_batches(model, [{"unlabeled": real} for _ in range(1)])
    first = trainer.callback_metrics["train/d/value"].item()
    trainer = fit_batches(model, [{"unlabeled": real} for _ in range(30)])
    assert trainer.callback_metrics["train/d/value"].item() > first


def test_n_critic_updates_generator_every_nth_batch():
    model = GAN(image_shape=(2,), loss="wasserstein", d_regularizers=[GradientPenalty(weight=10.0)], n_critic=3)
    trainer = fit_batches(model, [{"unlabeled": torch.randn(8, 2)} for _ in range(6)])
    assert trainer.global_step == 6 + 2  # 6 critic steps, 2 generator steps


def test_unknown_loss_kind_fails_before_training():
    with pytest.raises(ValueError, match="Unknown GAN loss kind 'wgan'"):
        GAN(loss="wgan")


def test_the_gradient_penalty_is_refused_on_a_classifier_d():
    from catgan import CatGAN

    with pytest.raises(ValueError, match="GradientPenalty is WGAN-GP's penalty on a D with one score"):
        CatGAN(image_shape=(2,), d_regularizers=[GradientPenalty(weight=10.0)])
