"""catgan.plain_loop compares like with like: its plain loop makes exactly the CatGAN module's updates."""

import copy

import lightning.pytorch as pl
import torch

from catgan import CatGAN
from catgan.nets import MLPDiscriminator, MLPGenerator
from catgan.plain_loop import PlainLoop


class TwoBatches:
    """The same batch twice, without a DataLoader (whose iterator draws a seed from the global RNG)."""

    def __init__(self, batch):
        self.batch = batch

    def __iter__(self):
        return iter([self.batch, self.batch])

    def __len__(self):
        return 2


def test_plain_loop_ends_with_the_modules_weights():
    torch.manual_seed(0)
    generator = MLPGenerator(4, (6,), hidden=(8,))
    discriminator = MLPDiscriminator((6,), 3, hidden=(8, 8), batch_norm=True, noise_std=0.3)
    real, x_labeled, y_labeled = torch.rand(10, 6), torch.rand(10, 6), torch.randint(0, 3, (10,))
    batch = {"unlabeled": real, "labeled": (x_labeled, y_labeled)}

    model = CatGAN(
        image_shape=(6,),
        num_classes=3,
        latent_dim=4,
        supervised_weight=1.0,
        lr_d=1e-2,
        lr_g=1e-2,
        generator=copy.deepcopy(generator),
        discriminator=copy.deepcopy(discriminator),
    )
    torch.manual_seed(1)
    pl.Trainer(
        max_epochs=1, logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False
    ).fit(model, TwoBatches(batch))

    plain = PlainLoop(generator, discriminator, [real, real], [(x_labeled, y_labeled)], lr=1e-2)
    torch.manual_seed(1)
    plain.step()
    plain.step()  # the labeled loader cycles
    for name, value in {**model.generator.state_dict(), **model.discriminator.state_dict()}.items():
        plain_value = {**plain.g.state_dict(), **plain.d.state_dict()}[name]
        assert torch.allclose(value, plain_value, atol=1e-6), name
    assert not torch.allclose(model.generator.net[0].weight, generator.net[0].weight)  # both trained
