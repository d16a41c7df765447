"""Bring your own data: SemiSupervisedDataModule from image folders, CSVs, arrays and data sets; bad input."""

import os

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import Dataset, TensorDataset

from catgan.data import BaseSemiSupervisedDataModule, SemiSupervisedDataModule, Splits
from tests.conftest import CONFIGS

EXAMPLE_CONFIG = os.path.join(CONFIGS, "examples", "own_images_catgan.yaml")
CLASSES = ("rows", "columns", "checks")


def pattern(kind: str, height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """(H, W, 3) uint8: stripes along rows or columns, or a checkerboard, with a little noise."""
    r, c = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    on = {"rows": r % 4 < 2, "columns": c % 4 < 2, "checks": (r // 2 + c // 2) % 2 == 0}[kind]
    grey = np.where(on, 220, 30) + rng.integers(-20, 20, size=(height, width))
    return np.repeat(grey.clip(0, 255).astype(np.uint8)[:, :, None], 3, axis=2)


def write_image_folder(root, per_class=20, num_unlabeled=30, size=(16, 16)):
    """root/labeled/<class>/*.png (ImageFolder layout) and root/unlabeled/** (nested) PNGs."""
    rng = np.random.default_rng(0)
    for kind in CLASSES:
        os.makedirs(root / "labeled" / kind)
        for i in range(per_class):
            Image.fromarray(pattern(kind, *size, rng)).save(root / "labeled" / kind / f"{i}.png")
    for i in range(num_unlabeled):
        folder = root / "unlabeled" / ("a" if i % 2 else os.path.join("b", "c"))
        os.makedirs(folder, exist_ok=True)
        Image.fromarray(pattern(CLASSES[i % 3], *size, rng)).save(folder / f"u{i}.png")
    return str(root / "labeled"), str(root / "unlabeled")


def test_example_config_fits_catgan_on_a_folder_of_images(run_cli, tmp_path):
    labeled, unlabeled = write_image_folder(tmp_path / "images")
    cli = run_cli(
        "fit",
        "--config",
        EXAMPLE_CONFIG,
        "--data.labeled_images",
        labeled,
        "--data.unlabeled_images",
        unlabeled,
        "--data.image_size",
        "8",
        "--data.batch_size",
        "32",
        "--data.labeled_batch_size",
        "16",
        "--trainer.max_epochs",
        "1",
        "--trainer.check_val_every_n_epoch",
        "1",
    )
    dm = cli.datamodule
    assert isinstance(dm, SemiSupervisedDataModule)
    assert dm.class_names == sorted(CLASSES) and dm.num_classes == cli.model.num_classes == 3
    assert tuple(cli.model.image_shape) == dm.image_shape == (3, 8, 8)  # linked from the files
    # 10% of the 60 labeled images held out for test and for validation, 2 per class each
    assert torch.bincount(dm.splits.test_y).tolist() == [2, 2, 2] and torch.bincount(dm.splits.val_y).tolist() == [
        2,
        2,
        2,
    ]
    assert dm.splits.train_x.shape[0] == 60 - 12 + 30 and dm.labeled_indices.numel() == 48
    assert cli.trainer.current_epoch == 1 and "test/acc" in cli.trainer.callback_metrics


def test_csv_labels_mixed_sizes_resize_and_grayscale(tmp_path):
    rows = ["path,label"]
    for i in range(12):
        name, size = ("cat", (12, 20)) if i % 2 else ("dog", (16, 16))
        Image.fromarray(np.full((*size, 3), 51, dtype=np.uint8)).save(tmp_path / f"{i}.png")
        rows.append(f"{i}.png,{name}")  # relative to the CSV's folder
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n")
    dm = SemiSupervisedDataModule(
        labeled_images=str(tmp_path / "labels.csv"), image_size=8, grayscale=True, val_size=2, test_size=2, batch_size=4
    )
    assert dm.class_names == ["cat", "dog"] and dm.image_shape == (1, 8, 8)
    dm.setup()
    assert dm.splits.train_x.shape == (8, 1, 8, 8)
    assert torch.allclose(dm.splits.train_x, torch.full_like(dm.splits.train_x, 0.2))  # 51 / 255, [0, 1]
    assert torch.bincount(dm.splits.train_y).tolist() == [4, 4]


def test_arrays_with_minus_one_unlabeled_and_a_stratified_hold_out():
    y = torch.cat([torch.arange(30) % 3, torch.full((20,), -1)])
    x = torch.arange(50, dtype=torch.float32).reshape(50, 1, 1, 1).expand(50, 1, 4, 4).contiguous()  # x = row id
    dm = SemiSupervisedDataModule(x=x, y=y, val_size=3, test_size=0.1, split_seed=1, batch_size=10)
    assert dm.num_classes == 3 and dm.image_shape == (1, 4, 4)
    dm.setup()
    s = dm.splits
    assert torch.bincount(s.val_y).tolist() == [1, 1, 1] and torch.bincount(s.test_y).tolist() == [1, 1, 1]
    row = lambda images: images[:, 0, 0, 0].long()  # noqa: E731
    held = set(row(s.val_x).tolist()) | set(row(s.test_x).tolist())
    assert held.isdisjoint(row(s.train_x).tolist()) and len(held) == 6 and max(held) < 30  # only labeled held out
    assert set(range(30, 50)) <= set(row(s.train_x).tolist())  # every unlabeled row trains
    assert torch.equal(s.train_y, y[row(s.train_x)])  # labels stay with their images
    assert torch.equal(dm.labeled_indices, torch.nonzero(s.train_y >= 0).flatten())  # num_labeled=None: all 24
    batch, _, _ = next(iter(dm.train_dataloader()))
    assert batch["unlabeled"].shape == (10, 1, 4, 4) and bool((batch["labeled"][1] >= 0).all())


def test_npy_and_npz_files_uint8_scaled_and_given_val_test_kept(tmp_path):
    x = np.full((9, 2, 3), 255, dtype=np.uint8)
    y = np.array([0, 1, 2, 0, 1, 2, -1, -1, -1])
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    dm = SemiSupervisedDataModule(
        x=str(tmp_path / "x.npy"), y=str(tmp_path / "y.npy"), val_size=0, test_size=0, batch_size=3
    )
    dm.setup()
    assert dm.image_shape == (2, 3) and torch.equal(dm.splits.train_x, torch.ones(9, 2, 3))
    np.savez(tmp_path / "data.npz", x=x, y=y, val_x=x[:4], val_y=y[:4], test_x=x[:2], test_y=y[:2])
    dm = SemiSupervisedDataModule(npz=str(tmp_path / "data.npz"), batch_size=3)
    dm.setup()
    assert (dm.splits.train_x.shape[0], dm.splits.val_x.shape[0], dm.splits.test_x.shape[0]) == (9, 4, 2)


def test_npz_through_the_cli_links_shape_and_classes(run_cli, tmp_path):
    y = np.concatenate([np.arange(40) % 4, -np.ones(20, dtype=np.int64)])
    np.savez(tmp_path / "data.npz", x=np.random.default_rng(0).random((60, 1, 4, 4), dtype=np.float32), y=y)
    cli = run_cli(
        "fit",
        "--model",
        "catgan.CatGAN",
        "--data",
        "catgan.data.SemiSupervisedDataModule",
        "--data.npz",
        str(tmp_path / "data.npz"),
        "--data.num_labeled",
        "8",
        "--data.batch_size",
        "10",
        "--trainer.fast_dev_run",
        "1",
    )
    assert tuple(cli.model.image_shape) == (1, 4, 4) and cli.model.num_classes == 4
    assert torch.bincount(cli.datamodule.splits.train_y[cli.datamodule.labeled_indices]).tolist() == [2, 2, 2, 2]
    assert cli.trainer.global_step >= 1


class PILDataset(Dataset):
    """(PIL image, label) items and a ``classes`` list, like torchvision's data sets."""

    classes = ["zero", "one", "two"]

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        return Image.fromarray(np.full((5, 5), 255 * (i % 2), dtype=np.uint8)), i % 3


def test_datasets_labeled_plus_num_labeled_pick_and_unlabeled():
    dm = SemiSupervisedDataModule(
        num_labeled=6,
        seed=3,
        labeled=PILDataset(30),
        unlabeled=TensorDataset(torch.rand(7, 1, 5, 5)),
        val=PILDataset(6),
        test=PILDataset(3),
        batch_size=5,
    )
    assert dm.class_names == PILDataset.classes and dm.image_shape == (1, 5, 5)
    dm.setup()
    assert dm.splits.train_x.shape[0] == 37 and dm.splits.val_x.shape[0] == 6  # given val/test: nothing held out
    assert torch.bincount(dm.splits.train_y[dm.labeled_indices]).tolist() == [2, 2, 2]
    assert set(dm.splits.train_x[:30].unique().tolist()) == {0.0, 1.0}  # PIL uint8 -> [0, 1]
    other = SemiSupervisedDataModule(
        num_labeled=6, seed=4, labeled=PILDataset(30), val=PILDataset(6), test=PILDataset(3), batch_size=5
    )
    other.setup()
    assert not torch.equal(dm.labeled_indices, other.labeled_indices)


def test_it_is_still_a_base_class():
    class Tiny(SemiSupervisedDataModule):
        image_shape, num_classes = (2,), 2

        def load_splits(self):
            x, y = torch.randn(8, 2), torch.arange(8) % 2
            return Splits(x, y, x, y, x, y)

    dm = Tiny(num_labeled=4, batch_size=4)
    dm.setup()
    assert dm.labeled_indices.numel() == 4
    assert issubclass(SemiSupervisedDataModule, BaseSemiSupervisedDataModule)


def bad_input(tmp_path, case):
    """Build the bad input ``case``; return the module's keyword arguments."""
    labeled, unlabeled = write_image_folder(tmp_path, per_class=3, num_unlabeled=2, size=(6, 6))
    arrays = dict(x=torch.rand(9, 4), val_size=0, test_size=0)
    if case == "missing path":
        return dict(labeled_images=labeled, unlabeled_images=str(tmp_path / "nowhere"))
    if case == "empty folder":
        os.makedirs(tmp_path / "empty" / "sub")
        return dict(labeled_images=labeled, unlabeled_images=str(tmp_path / "empty"))
    if case == "no class folders":
        return dict(labeled_images=str(tmp_path / "unlabeled" / "a"))
    if case == "empty class folder":
        os.makedirs(tmp_path / "labeled" / "zebra")
        return dict(labeled_images=labeled)
    if case == "class without example":
        return dict(labeled_images=labeled, classes=["checks", "columns", "rows", "zebra"])
    if case == "unreadable image":
        (tmp_path / "unlabeled" / "a" / "broken.png").write_bytes(b"not a png")
        return dict(labeled_images=labeled, unlabeled_images=unlabeled, val_size=0, test_size=0, batch_size=4)
    if case == "mixed sizes":
        Image.fromarray(pattern("rows", 7, 9, np.random.default_rng(0))).save(tmp_path / "unlabeled" / "a" / "big.png")
        return dict(labeled_images=labeled, unlabeled_images=unlabeled, val_size=0, test_size=0, batch_size=4)
    if case == "csv label outside classes":
        (tmp_path / "l.csv").write_text("labeled/rows/0.png,rows\nlabeled/rows/1.png,bird\n")
        return dict(labeled_images=str(tmp_path / "l.csv"), classes=["rows", "columns"])
    if case == "csv missing image":
        (tmp_path / "l.csv").write_text("path,label\nlabeled/rows/0.png,rows\nlabeled/rows/99.png,rows\n")
        return dict(labeled_images=str(tmp_path / "l.csv"))
    if case == "array label outside":
        return dict(arrays, y=torch.tensor([0, 1, 2, 0, 1, 2, 0, 5, -1]), num_classes=3)
    if case == "unlabeled val example":
        return dict(arrays, y=torch.tensor([0, 1, 2] * 3), val_x=torch.rand(2, 4), val_y=torch.tensor([0, -1]))
    if case == "array class without example":
        return dict(arrays, y=torch.tensor([0, 1, 2] * 3), num_classes=4)
    if case == "no labels and no num_classes":
        return dict(arrays, y=torch.full((9,), -1))
    if case == "too few to hold out":
        return dict(x=torch.rand(9, 4), y=torch.tensor([0, 0, 0, 0, 1, 1, 1, 1, 2]), test_size=0)
    if case == "no source":
        return dict(num_classes=3)
    if case == "two kinds of source":
        return dict(x=torch.rand(9, 4), y=torch.zeros(9), labeled_images=labeled)
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case, error, message",
    [
        ("missing path", FileNotFoundError, r"unlabeled_images: '.*nowhere' does not exist"),
        ("empty folder", ValueError, r"unlabeled_images: no image files .* under '.*empty'"),
        ("no class folders", ValueError, r"labeled_images: '.*a' has no class sub-folders"),
        ("empty class folder", ValueError, r"class folder '.*zebra' holds no images"),
        ("class without example", ValueError, r"class 'zebra' \(index 3\) has no labeled training example"),
        ("unreadable image", ValueError, r"cannot read image '.*broken.png'"),
        ("mixed sizes", ValueError, r"image '.*big.png' is 9x7 .* differ in size. Set image_size"),
        ("csv label outside classes", ValueError, r"image '.*1.png' has label 'bird', which is not one of the classes"),
        ("csv missing image", FileNotFoundError, r"l.csv, line 3: image '.*99.png' does not exist"),
        ("array label outside", ValueError, r"y\[7\] has label 5, outside the classes 0..2"),
        ("unlabeled val example", ValueError, r"val_y\[1\] has label -1: validation and test examples need labels"),
        ("array class without example", ValueError, r"class 3 has no labeled training example"),
        ("no labels and no num_classes", ValueError, r"give num_classes"),
        ("too few to hold out", ValueError, r"cannot hold out a stratified split of \{'val': 3\} .* change val_size\."),
        ("no source", ValueError, r"needs data: give arrays"),
        ("two kinds of source", ValueError, r"give one kind of data source, got arrays and image files"),
    ],
)
def test_bad_input_is_a_clear_error_before_training(tmp_path, case, error, message):
    with pytest.raises(error, match=message):
        SemiSupervisedDataModule(**bad_input(tmp_path, case)).setup()


def test_bad_input_through_the_cli_stops_before_training(run_cli, tmp_path):
    labeled, _ = write_image_folder(tmp_path, per_class=3, num_unlabeled=0)
    # jsonargparse re-raises construction errors as a ValueError that quotes the module's message
    with pytest.raises(ValueError, match="unlabeled_images: '.*typo' does not exist"):
        run_cli(
            "fit",
            "--config",
            EXAMPLE_CONFIG,
            "--data.labeled_images",
            labeled,
            "--data.unlabeled_images",
            str(tmp_path / "typo"),
        )
    assert not (tmp_path / "checkpoints").exists()


def test_a_small_folder_fits_with_the_example_batch_size_clipped_and_the_split_sizes_said(run_cli, tmp_path, capsys):
    labeled, unlabeled = write_image_folder(tmp_path / "images", per_class=10, num_unlabeled=0)  # 30 images
    cli = run_cli(
        "fit",
        "--config",
        EXAMPLE_CONFIG,
        "--data.labeled_images",
        labeled,
        "--data.unlabeled_images",
        unlabeled if os.path.isdir(unlabeled) else "null",
        "--data.image_size",
        "8",
        "--trainer.max_epochs",
        "1",
        "--test_after_fit",
        "false",
    )
    out = capsys.readouterr().out
    # 10% of 30 held out for test and for validation: at least one per class, so 3 each; 24 left to train on
    assert cli.datamodule.batch_size == 24 and cli.trainer.global_step > 0
    assert "catgan: batch_size=64 is more than the 24 training examples; using 24" in out
    assert (
        "catgan: data SemiSupervisedDataModule: 24 training examples (24 labeled; all 24 used as unlabeled), "
        "3 validation, 3 test"
    ) in out
