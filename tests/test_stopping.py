"""catgan/stopping.py: StopAfterEpoch ends a fit after its epochs, and a resumed fit at or past them trains nothing."""

import pytest
import torch
from torch.utils.data import DataLoader

from catgan import GAN
from catgan.stopping import StopAfterEpoch
from tests.conftest import quiet_trainer


def fit(epochs, max_epochs=5, ckpt_path=None, root=None):
    torch.manual_seed(0)
    model = GAN(image_shape=(2,), latent_dim=2, lr_decay_start=0.5)
    batches = [{"unlabeled": torch.randn(8, 2)} for _ in range(2)]
    trainer = quiet_trainer(max_epochs=max_epochs, callbacks=[StopAfterEpoch(epochs)], default_root_dir=root)
    trainer.fit(model, train_dataloaders=DataLoader(batches, batch_size=None), ckpt_path=ckpt_path)
    return trainer, model


def test_the_fit_stops_after_its_epochs_with_the_full_runs_schedule():
    trainer, model = fit(2)
    assert trainer.current_epoch == 2 and trainer.global_step == 2 * 2 * 2  # 2 epochs x 2 batches x (D + G)
    # the learning rate follows max_epochs 5 (decay from epoch 2.5), not a 2-epoch run (decay from epoch 1)
    assert model.optimizers()[0].param_groups[0]["lr"] == pytest.approx(2e-4)


def test_a_fit_resumed_at_the_stop_trains_nothing(tmp_path):
    trainer, _ = fit(2, root=str(tmp_path))
    trainer.save_checkpoint(tmp_path / "two.ckpt")
    resumed, _ = fit(2, ckpt_path=str(tmp_path / "two.ckpt"), root=str(tmp_path))
    assert resumed.global_step == trainer.global_step


@pytest.mark.parametrize("epochs", [0, -1, 1.5, "2"])
def test_bad_epochs_are_refused(epochs):
    with pytest.raises(ValueError, match="StopAfterEpoch needs epochs >= 1"):
        StopAfterEpoch(epochs)
