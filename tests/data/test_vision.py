"""torchvision data modules with the real loading code, on tiny MNIST-format files written by the test."""

import struct

import numpy as np
import pytest
import torch

from catgan.data import MNISTDataModule


def write_fake_mnist(root, n_train=200, n_test=50):
    """Writes idx files in torchvision's MNIST layout (<root>/MNIST/raw), 10 classes, recognisable digits."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = (np.arange(n) % 10).astype(np.uint8)
        images = np.zeros((n, 28, 28), dtype=np.uint8)
        for i, k in enumerate(labels):  # a bright bar whose position encodes the class
            images[i, 2 + 2 * k : 4 + 2 * k, 4:24] = 255
        images = np.clip(images.astype(int) + rng.integers(0, 30, images.shape), 0, 255).astype(np.uint8)
        (raw / f"{prefix}-images-idx3-ubyte").write_bytes(struct.pack(">IIII", 2051, n, 28, 28) + images.tobytes())
        (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(struct.pack(">II", 2049, n) + labels.tobytes())
    return root


def test_mnist_module_loads_and_splits(tmp_path):
    write_fake_mnist(tmp_path)
    dm = MNISTDataModule(data_dir=str(tmp_path), num_labeled=20, val_size=50, flatten=True)
    dm.prepare_data()
    dm.setup()
    assert dm.image_shape == (784,)
    assert dm.splits.train_x.shape == (150, 784) and dm.splits.val_x.shape == (50, 784)
    assert dm.splits.test_x.shape == (50, 784)
    assert 0.0 <= dm.splits.train_x.min() and dm.splits.train_x.max() <= 1.0
    assert torch.bincount(dm.splits.train_y[dm.labeled_indices]).tolist() == [2] * 10
    assert MNISTDataModule(data_dir=str(tmp_path)).image_shape == (1, 28, 28)


def test_missing_mnist_without_download_names_the_folder_and_flag(tmp_path):
    dm = MNISTDataModule(data_dir=str(tmp_path / "nowhere"), download=False)
    with pytest.raises(FileNotFoundError, match=r"(?s)nowhere.*download"):
        dm.prepare_data()


def test_val_size_zero_trains_on_every_training_image_and_skips_validation(tmp_path):
    import lightning.pytorch as pl

    from catgan import SupervisedClassifier

    write_fake_mnist(tmp_path)
    dm = MNISTDataModule(data_dir=str(tmp_path), num_labeled=20, val_size=0, flatten=True, batch_size=50)
    dm.prepare_data()
    dm.setup()
    assert dm.splits.train_x.shape == (200, 784) and dm.splits.val_x.shape == (0, 784)
    assert len(dm.val_dataloader()) == 0
    model = SupervisedClassifier(image_shape=(784,), num_classes=10)
    trainer = pl.Trainer(
        max_epochs=1,
        logger=False,
        enable_progress_bar=False,
        enable_checkpointing=False,
        default_root_dir=str(tmp_path),
    )
    trainer.fit(model, dm)
    assert trainer.global_step == 4 and not any(k.startswith("val/") for k in trainer.callback_metrics)
    with pytest.raises(ValueError, match="val_size"):
        MNISTDataModule(data_dir=str(tmp_path), val_size=-1)
