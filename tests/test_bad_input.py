"""Bad input fails early with an error that names the fix; NaNs stop training naming the term;
training never waits on W&B."""

import os

import lightning.pytorch as pl
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from catgan import GAN, CatGAN, SupervisedClassifier
from catgan.data import DigitsDataModule
from catgan.nets import MLPDiscriminator, MLPGenerator
from tests.conftest import CONFIGS


def trainer(**kwargs):
    return pl.Trainer(
        max_epochs=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        **kwargs,
    )


def test_image_shape_that_does_not_match_the_networks():
    # networks given as instances: refused when the model is built, naming image_shape and both shapes
    with pytest.raises(ValueError, match=r"image_shape=\(1, 8, 8\).*generator makes examples of shape \(1, 28, 28\)"):
        CatGAN(image_shape=(1, 8, 8), generator=MLPGenerator(64, (1, 28, 28)))
    with pytest.raises(ValueError, match=r"image_shape=\(1, 8, 8\).*discriminator takes examples of shape \(784,\)"):
        CatGAN(image_shape=(1, 8, 8), discriminator=MLPDiscriminator((784,), 10))

    # a factory that builds the wrong network: refused when fit starts, before any step
    def wrong_generator(latent_dim, image_shape):
        return MLPGenerator(latent_dim, (1, 28, 28))

    model = CatGAN(image_shape=(1, 8, 8), generator=wrong_generator)
    with pytest.raises(ValueError, match=r"generator makes examples of shape \(1, 28, 28\).*out_shape"):
        trainer().fit(model, DigitsDataModule(num_labeled=50))
    assert model.global_step == 0

    class NoInShape(nn.Module):  # a discriminator that does not say its input shape
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))

        def forward(self, x):
            return self.net(x)

    model = CatGAN(image_shape=(1, 8, 8), discriminator=NoInShape())
    with pytest.raises(ValueError, match="discriminator does not accept.*in_shape"):
        trainer().fit(model, DigitsDataModule(num_labeled=50))


def test_model_built_for_other_data():
    with pytest.raises(ValueError, match=r"image_shape \(64,\) differs.*CLI links it"):
        trainer().fit(CatGAN(image_shape=(1, 8, 8)), DigitsDataModule(num_labeled=50, flatten=True))


def test_plain_ddp_strategy_is_refused_with_the_fix():
    from lightning.pytorch.strategies import DDPStrategy

    model = CatGAN()
    model._trainer = type("T", (), {"strategy": DDPStrategy(find_unused_parameters=False)})()
    with pytest.raises(ValueError, match="ddp_find_unused_parameters_true"):
        model.setup("fit")


def test_checkpoint_of_another_model_class(tmp_path):
    model = GAN(loss="hinge")
    t = trainer(max_steps=2)
    t.fit(model, DigitsDataModule(num_labeled=0))
    path = tmp_path / "gan.ckpt"
    t.save_checkpoint(path)
    with pytest.raises(ValueError, match=r"holds a catgan.modules.gan.GAN.*GAN.load_from_checkpoint"):
        CatGAN.load_from_checkpoint(path)
    assert isinstance(GAN.load_from_checkpoint(path), GAN)
    assert isinstance(torch.load(path, weights_only=True), dict)  # no pickled objects in it


def test_nan_in_a_loss_stops_training_and_names_the_term():
    x = torch.rand(16, 1, 8, 8)
    x[0, 0, 0, 0] = float("nan")
    with pytest.raises(FloatingPointError, match="discriminator loss.*marginal_entropy_real"):
        trainer().fit(CatGAN(), train_dataloaders=DataLoader([{"unlabeled": x}], batch_size=None))


def test_supervised_model_with_unknown_class_count():
    with pytest.raises(ValueError, match="10 classes but the model was built for 3"):
        trainer().fit(SupervisedClassifier(num_classes=3), DigitsDataModule(num_labeled=50))


def test_default_logger_with_wandb_disabled(run_cli, tmp_path, monkeypatch):
    """The CLI's default W&B logger must not block: WANDB_MODE=disabled (set in conftest) runs."""
    monkeypatch.chdir(tmp_path)
    assert os.environ["WANDB_MODE"] == "disabled"
    cli = run_cli(
        "fit",
        "--config",
        os.path.join(CONFIGS, "digits_catgan.yaml"),
        "--trainer.max_epochs",
        "1",
        "--trainer.limit_train_batches",
        "2",
        logger="default",
    )
    from lightning.pytorch.loggers import WandbLogger

    assert isinstance(cli.trainer.logger, WandbLogger)


def test_without_wandb_the_cli_falls_back_to_csv(run_cli, tmp_path, monkeypatch):
    import catgan.cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(catgan.cli, "wandb_available", lambda: False)
    cli = run_cli(
        "fit",
        "--config",
        os.path.join(CONFIGS, "digits_catgan.yaml"),
        "--trainer.max_epochs",
        "1",
        "--trainer.limit_train_batches",
        "2",
        logger="default",
    )
    assert type(cli.trainer.logger).__name__ == "CSVLogger"
    assert os.path.exists(os.path.join(cli.trainer.logger.log_dir, "metrics.csv"))
