"""fp16 mixed precision with a GradScaler (what ``--trainer.precision 16-mixed`` uses on a GPU) under manual
optimization: both players' updates go through the scaler, with the D regularizers and D averaging on."""

import lightning.pytorch as pl
import torch
from lightning.pytorch.plugins import MixedPrecision

from catgan import CatGAN
from catgan.data import DigitsDataModule
from catgan.nets import ConvDiscriminator
from catgan.regularizers import VAT, AugmentationConsistency


def test_grad_scaler_scales_both_players_updates_with_regularizers_and_averaging():
    torch.manual_seed(0)
    model = CatGAN(
        discriminator=ConvDiscriminator,
        image_shape=(1, 8, 8),
        num_classes=10,
        d_ema_decay=0.99,
        d_regularizers=[VAT(weight=1.0, eps=0.5), AugmentationConsistency(weight=1.0)],
    )
    d_before = [p.detach().clone() for p in model.discriminator.parameters()]
    g_before = [p.detach().clone() for p in model.generator.parameters()]
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**8)  # a CPU scaler stands in for the GPU's
    trainer = pl.Trainer(
        max_steps=4,  # two D and two G updates
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        limit_val_batches=0,
        plugins=[MixedPrecision("16-mixed", "cpu", scaler=scaler)],
    )
    trainer.fit(model, datamodule=DigitsDataModule(num_labeled=50, batch_size=32))
    assert trainer.global_step == 4
    assert scaler._scale is not None and scaler.get_scale() == 2.0**8  # losses were scaled; no step was skipped
    assert all(not torch.equal(a, b) for a, b in zip(d_before, model.discriminator.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(g_before, model.generator.parameters()))
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert all(torch.isfinite(p).all() for p in model.discriminator_ema.parameters())
