"""Fréchet distance and KID against hand computations; the FD/KID callback (on a classifier the feature script trains)."""

import lightning.pytorch as pl
import numpy as np
import pytest
import scipy.linalg
import torch

from catgan import CatGAN
from catgan.callbacks import SampleQualityCallback
from catgan.data import DigitsDataModule
from catgan.feature_classifier import load_feature_classifier
from catgan.metrics import frechet_distance, kernel_distance
from tests.conftest import load_script


def feature_classifier_script():
    return load_script("train_feature_classifier")


def features(seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(60, 5, generator=g), torch.randn(45, 5, generator=g) * 1.5 + 0.3


def test_frechet_distance_matches_scipy_sqrtm():
    real, fake = features(0)
    a, b = real.double().numpy(), fake.double().numpy()
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    expected = ((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(s1 + s2 - 2 * scipy.linalg.sqrtm(s1 @ s2).real)
    assert abs(frechet_distance(real, fake).item() - expected) < 1e-4 * expected
    assert abs(frechet_distance(real, real).item()) < 1e-4


def test_kernel_distance_is_the_unbiased_polynomial_mmd():
    real, fake = features(1)
    real = real[:45]  # one subset of all examples: every permutation gives the same value
    a, b, d, m = real.double().numpy(), fake.double().numpy(), 5, 45
    kernel = lambda x, y: (x @ y.T / d + 1) ** 3  # noqa: E731
    kxx, kyy = kernel(a, a), kernel(b, b)
    expected = ((kxx.sum() - np.trace(kxx)) + (kyy.sum() - np.trace(kyy))) / (m * (m - 1)) - 2 * kernel(a, b).mean()
    before = torch.get_rng_state()
    mean, std = kernel_distance(real, fake, subsets=3, subset_size=1000)
    assert abs(mean.item() - expected) < 1e-5 and std.item() < 1e-6
    assert torch.equal(torch.get_rng_state(), before)  # subsets drawn from their own seed


def test_distances_need_two_examples_of_the_same_width():
    with pytest.raises(ValueError, match="at least 2"):
        frechet_distance(torch.zeros(1, 3), torch.zeros(4, 3))
    with pytest.raises(ValueError, match=r"\(N, F\)"):
        kernel_distance(torch.zeros(4, 3), torch.zeros(4, 2))


def test_missing_classifier_file_names_the_script(tmp_path):
    with pytest.raises(FileNotFoundError, match="train_feature_classifier.py"):
        load_feature_classifier(str(tmp_path / "nope.pt"))


@pytest.fixture(scope="module")
def classifier_file(tmp_path_factory):
    script = feature_classifier_script()
    dm = DigitsDataModule(num_labeled=0)
    dm.setup()
    classifier = script.train(dm.splits.train_x, dm.splits.train_y, (1, 8, 8), 10, (32,), epochs=2)
    path = str(tmp_path_factory.mktemp("features") / "digits.pt")
    script.save_feature_classifier(classifier, path, (1, 8, 8), 10, (32,), data="digits")
    return path


def test_callback_logs_fd_and_kid_at_validation(classifier_file):
    pl.seed_everything(0)
    callback = SampleQualityCallback(classifier_file, num_samples=200, num_real=300, kid_subsets=5, kid_subset_size=100)
    trainer = pl.Trainer(
        max_epochs=1,
        limit_train_batches=2,
        limit_val_batches=1,
        logger=False,
        callbacks=[callback],
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    model = CatGAN(ema_decay=0.5)
    trainer.fit(model, DigitsDataModule(num_labeled=50))
    metrics = trainer.callback_metrics
    assert {"quality/fd", "quality/kid", "quality/kid_std"} <= set(metrics)
    assert metrics["quality/fd"] > 0 and torch.isfinite(metrics["quality/kid"])
    # the logged FD is that of the EMA generator's samples from the callback's fixed latents
    again = callback.compute(trainer, model)
    assert torch.allclose(again["fd"], metrics["quality/fd"])


def test_callback_rejects_a_classifier_of_another_shape_before_training(classifier_file):
    from catgan.data import ToyDataModule
    from catgan.nets import MLPGenerator

    trainer = pl.Trainer(
        max_epochs=1,
        logger=False,
        callbacks=[SampleQualityCallback(classifier_file)],
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    model = CatGAN(image_shape=(2,), num_classes=2, generator=MLPGenerator(64, (2,), output="identity"))
    with pytest.raises(ValueError, match="train one on this data set"):
        trainer.fit(model, ToyDataModule())
    assert trainer.global_step == 0
