"""Predicting from a checkpoint alone: ``catgan predict --predict_input`` reads no training data (it may be gone), decodes
new images as the training data module does and names the classes; the test split without its data is a clear error."""

import csv
import os
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from catgan.data import DigitsDataModule
from catgan.data.predict_input import PredictInputDataModule, prediction_settings
from catgan.run_folders import load_checkpoint_datamodule, load_checkpoint_model
from tests.data.test_custom import CLASSES, EXAMPLE_CONFIG, pattern, write_image_folder


def test_predict_input_needs_no_training_folders_and_the_test_split_without_them_names_the_fix(run_cli, tmp_path):
    labeled, unlabeled = write_image_folder(tmp_path / "images", per_class=4, num_unlabeled=6)
    # grayscale 16x16 PNGs resized to 6x6: prediction must decode new images with the training data's channels and size
    data = [
        "--data.labeled_images",
        labeled,
        "--data.unlabeled_images",
        unlabeled,
        "--data.image_size",
        "6",
        "--data.grayscale",
        "true",
        "--data.batch_size",
        "8",
        "--data.labeled_batch_size",
        "4",
        "--data.val_size",
        "0",
        "--data.test_size",
        "3",
    ]
    run_cli(
        "fit",
        "--config",
        EXAMPLE_CONFIG,
        *data,
        "--trainer.max_steps",
        "2",
        "--test_after_fit",
        "false",
        logger="false",
    )
    ckpt = str(tmp_path / "checkpoints" / "last.ckpt")
    new = tmp_path / "new"
    os.makedirs(new)
    rng = np.random.default_rng(1)
    for i in range(5):
        Image.fromarray(pattern(CLASSES[i % 3], 16, 16, rng)).save(new / f"n{i}.png")
    model = load_checkpoint_model(ckpt).eval()
    training_data = load_checkpoint_datamodule(ckpt)  # the data module of the fit, while its folders are there
    training_data.set_predict_input(str(new))
    assert training_data.predict_x.shape == (5, 1, 6, 6)
    with torch.no_grad():
        expected = model.classify(training_data.predict_x).softmax(1)  # (5, 3)

    shutil.move(str(tmp_path / "images"), str(tmp_path / "moved"))
    out = tmp_path / "predictions.csv"
    cli = run_cli(
        "predict",
        "--ckpt_path",
        ckpt,
        "--predict_input",
        str(new),
        "--prediction_writer.path",
        str(out),
        logger="false",
    )
    assert isinstance(cli.datamodule, PredictInputDataModule)
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    names = sorted(CLASSES)
    assert list(rows[0]) == ["path", "prediction"] + [f"prob_{n}" for n in names]
    assert [os.path.basename(r["path"]) for r in rows] == [f"n{i}.png" for i in range(5)]
    probs = torch.tensor([[float(r[f"prob_{n}"]) for n in names] for r in rows])  # (5, 3)
    assert torch.allclose(probs, expected, atol=1e-5)  # decoded as the training data module decodes them
    assert [r["prediction"] for r in rows] == [names[k] for k in expected.argmax(1).tolist()]

    out.unlink()
    with pytest.raises(
        SystemExit,
        match=r"labeled_images: '.*images.labeled' does not exist.*Without --predict_input, "
        r"predict classifies its test split.*--predict_input FOLDER_OR_NPY.*"
        r"--data.init_args.labeled_images NEW_PATH",
    ):
        run_cli("predict", "--ckpt_path", ckpt, "--prediction_writer.path", str(out), logger="false")
    assert not out.exists()  # stopped before any work

    # a checkpoint without prediction settings (saved by an older catgan) still needs its training data, and says so
    old = torch.load(ckpt, map_location="cpu", weights_only=False)
    del old["catgan_prediction_settings"]
    torch.save(old, tmp_path / "old.ckpt")
    with pytest.raises(SystemExit, match="holds no prediction settings.*--data.init_args.labeled_images NEW_PATH"):
        run_cli("predict", "--ckpt_path", str(tmp_path / "old.ckpt"), "--predict_input", str(new), logger="false")


def test_prediction_settings_of_flattened_digits_decode_files_to_the_models_input():
    digits = DigitsDataModule(flatten=True, num_labeled=None)
    settings = prediction_settings(digits)
    assert settings == dict(
        image_shape=[64], num_classes=10, class_names=None, file_image_shape=[1, 8, 8], file_image_size=[8, 8]
    )
    data = PredictInputDataModule(**settings, eval_batch_size=3)
    assert data.image_shape == (64,) and data.file_image_shape == (1, 8, 8) and data.file_image_size() == (8, 8)
    data.setup("predict")  # reads nothing
    with pytest.raises(RuntimeError, match="holds no training, validation or test data.*set_predict_input"):
        data.test_dataloader()


def test_examples_that_are_no_images_take_only_arrays(tmp_path):
    data = PredictInputDataModule(image_shape=[2], num_classes=2)
    np.save(tmp_path / "x.npy", np.ones((4, 2), dtype=np.float32))
    data.set_predict_input(str(tmp_path / "x.npy"))
    assert data.predict_x.shape == (4, 2) and [len(b[0]) for b in data.predict_dataloader()] == [4]
    os.makedirs(tmp_path / "images")
    Image.fromarray(np.zeros((4, 4), dtype=np.uint8)).save(tmp_path / "images" / "a.png")
    with pytest.raises(ValueError, match=r"not images: give predict_input as an .npy/.npz array"):
        data.set_predict_input(str(tmp_path / "images"))
