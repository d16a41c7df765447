"""FashionMNIST, CIFAR-10 and SVHN data modules with the real torchvision loading code, on tiny fake files
written in torchvision's on-disk formats. CIFAR-10 and SVHN files are md5-checked by torchvision, which
fake files cannot pass: those tests replace the md5 check by a file-exists check (the loading itself
is torchvision's). Nothing is downloaded."""

import os
import pickle
import shutil
import urllib.error

import numpy as np
import pytest
import torch

from catgan.data import CIFAR10DataModule, FashionMNISTDataModule, MNISTDataModule, SVHNDataModule
from tests.data.test_vision import write_fake_mnist


def write_fake_fashion_mnist(root, n_train=200, n_test=50):
    """The MNIST idx files under <root>/FashionMNIST/raw (FashionMNIST uses the same format)."""
    write_fake_mnist(root / "tmp_fashion", n_train, n_test)
    shutil.move(str(root / "tmp_fashion" / "MNIST"), str(root / "FashionMNIST"))
    return root


def fake_colour_images(n, seed):
    """(n, 32, 32, 3) uint8 images whose red bar position encodes the class n % 10, and the labels."""
    labels = np.arange(n) % 10
    images = np.random.default_rng(seed).integers(0, 30, (n, 32, 32, 3)).astype(np.uint8)
    for i, k in enumerate(labels):
        images[i, 2 + 3 * k : 4 + 3 * k, 4:28, 0] = 255
    return images, labels


def write_fake_cifar10(root, n_train=150, n_test=50):
    """Pickled batches in torchvision's layout: <root>/cifar-10-batches-py/data_batch_1..5, test_batch, batches.meta."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    images, labels = fake_colour_images(n_train, 0)
    for b, part in enumerate(np.array_split(np.arange(n_train), 5), start=1):
        rows = images[part].transpose(0, 3, 1, 2).reshape(len(part), -1)  # CIFAR rows are CHW-flattened
        with open(folder / f"data_batch_{b}", "wb") as f:
            pickle.dump({"data": rows, "labels": labels[part].tolist()}, f)
    images, labels = fake_colour_images(n_test, 1)
    with open(folder / "test_batch", "wb") as f:
        pickle.dump({"data": images.transpose(0, 3, 1, 2).reshape(n_test, -1), "labels": labels.tolist()}, f)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": [f"class{k}" for k in range(10)]}, f)
    return root


def write_fake_svhn(root, n_train=150, n_test=50):
    """<root>/SVHN/{train,test}_32x32.mat with X (32, 32, 3, N) uint8 and y (N, 1), the digit 0 as 10."""
    from scipy.io import savemat

    folder = root / "SVHN"
    folder.mkdir(parents=True, exist_ok=True)
    for split, n, seed in (("train", n_train, 0), ("test", n_test, 1)):
        images, labels = fake_colour_images(n, seed)
        savemat(
            folder / f"{split}_32x32.mat",
            {"X": images.transpose(1, 2, 3, 0), "y": np.where(labels == 0, 10, labels).reshape(-1, 1)},
        )
    return root


@pytest.fixture
def no_md5_check(monkeypatch):
    """torchvision's md5 check of CIFAR-10/SVHN files, replaced by: the file exists."""
    import torchvision.datasets.cifar as cifar
    import torchvision.datasets.svhn as svhn

    def exists(fpath, md5=None):
        return os.path.isfile(fpath)

    monkeypatch.setattr(cifar, "check_integrity", exists)
    monkeypatch.setattr(svhn, "check_integrity", exists)


def test_fashion_mnist_loads_from_its_own_folder(tmp_path):
    write_fake_fashion_mnist(tmp_path)
    dm = FashionMNISTDataModule(data_dir=str(tmp_path), num_labeled=20, val_size=50)
    dm.prepare_data()
    dm.setup()
    assert dm.image_shape == (1, 28, 28) and dm.num_classes == 10
    assert dm.splits.train_x.shape == (150, 1, 28, 28) and dm.splits.test_x.shape == (50, 1, 28, 28)
    with pytest.raises(FileNotFoundError):  # MNIST's folder is not FashionMNIST's
        MNISTDataModule(data_dir=str(tmp_path)).prepare_data()


@pytest.mark.parametrize("cls, writer", [(CIFAR10DataModule, write_fake_cifar10), (SVHNDataModule, write_fake_svhn)])
def test_colour_sets_load_as_chw_in_unit_range_with_their_labels(cls, writer, tmp_path, no_md5_check):
    writer(tmp_path)
    dm = cls(data_dir=str(tmp_path), num_labeled=20, val_size=50, batch_size=50)
    dm.prepare_data()
    dm.setup()
    assert dm.image_shape == (3, 32, 32) and dm.num_classes == 10
    splits = dm.splits
    assert splits.train_x.shape == (100, 3, 32, 32) and splits.val_x.shape == (50, 3, 32, 32)
    assert splits.test_x.shape == (50, 3, 32, 32)
    assert 0.0 <= float(splits.train_x.min()) and float(splits.train_x.max()) <= 1.0
    # the red bar of class k sits at rows 2+3k..3+3k of channel 0 (so H, W and C are where they belong)
    x, y = splits.test_x, splits.test_y
    for k in range(10):
        rows = x[y == k][:, 0, :, 16].mean(dim=0)  # (32,) red channel, middle column
        assert rows[2 + 3 * k] == 1.0 and rows[3 + 3 * k] == 1.0
        assert x[y == k][:, 1, 2 + 3 * k, 16].max() < 0.2  # green is noise only
    assert sorted(torch.unique(splits.train_y).tolist()) == list(range(10))  # SVHN's 10 mapped to 0
    assert torch.bincount(splits.train_y[dm.labeled_indices]).tolist() == [2] * 10
    batch = next(iter(dm.train_dataloader()))[0]
    assert batch["unlabeled"].shape == (50, 3, 32, 32)


def test_cifar_with_a_corrupted_file_is_an_error_naming_the_folder(tmp_path):
    write_fake_cifar10(tmp_path)  # real md5 check: the fake files do not match
    with pytest.raises(FileNotFoundError, match=r"(?s)cifar-10-batches-py.*download"):
        CIFAR10DataModule(data_dir=str(tmp_path)).prepare_data()


@pytest.mark.parametrize(
    "cls, folder",
    [
        (MNISTDataModule, "MNIST"),
        (FashionMNISTDataModule, "FashionMNIST"),
        (CIFAR10DataModule, "cifar-10-batches-py"),
        (SVHNDataModule, "SVHN"),
    ],
)
def test_missing_data_without_download_names_the_folder_and_the_flag(cls, folder, tmp_path):
    dm = cls(data_dir=str(tmp_path / "nowhere"), download=False)
    with pytest.raises(FileNotFoundError, match=rf"(?s)nowhere.*{folder}.*download: true"):
        dm.prepare_data()


@pytest.mark.parametrize(
    "cls, module, function",
    [
        (MNISTDataModule, "mnist", "download_and_extract_archive"),
        (FashionMNISTDataModule, "mnist", "download_and_extract_archive"),
        (CIFAR10DataModule, "cifar", "download_and_extract_archive"),
        (SVHNDataModule, "svhn", "download_url"),
    ],
)
def test_a_failed_download_names_the_folder(cls, module, function, tmp_path, monkeypatch):
    import importlib

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(importlib.import_module(f"torchvision.datasets.{module}"), function, offline)
    dm = cls(data_dir=str(tmp_path / "target"), download=True)
    with pytest.raises(RuntimeError, match=r"(?s)Downloading .* into .*target.*failed"):
        dm.prepare_data()


def test_svhn_classes_and_shape_are_known_before_loading(tmp_path):
    dm = SVHNDataModule(data_dir=str(tmp_path / "nowhere"), flatten=True)
    assert dm.image_shape == (3072,) and dm.num_classes == 10
