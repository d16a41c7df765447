"""catgan predict writes a CSV a user can open (paths, class names, probabilities that agree with ``classify``);
catgan sample writes PNG files and an .npz from a checkpoint; bad prediction inputs name the option."""

import csv
import os

import numpy as np
import pytest
import torch
from PIL import Image

from catgan.cli import load_checkpoint_model, main
from tests.conftest import CONFIGS
from tests.data.test_custom import CLASSES, EXAMPLE_CONFIG, pattern, write_image_folder

DIGITS = os.path.join(CONFIGS, "digits_catgan.yaml")


@pytest.fixture
def trained_on_folders(run_cli, tmp_path):
    labeled, unlabeled = write_image_folder(tmp_path / "images")
    run_cli(
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
        "2",
        "--trainer.check_val_every_n_epoch",
        "1",
        "--test_after_fit",
        "false",
        logger="false",
    )
    return labeled, unlabeled, str(tmp_path / "checkpoints" / "last.ckpt")


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_predict_on_a_folder_of_new_pngs_writes_paths_class_names_and_probabilities(
    trained_on_folders, run_cli, tmp_path, capsys
):
    labeled, unlabeled, ckpt = trained_on_folders
    new = tmp_path / "new" / "nested"
    os.makedirs(new)
    rng = np.random.default_rng(5)
    for i in range(7):
        Image.fromarray(pattern(CLASSES[i % 3], 16, 16, rng)).save(new / f"n{i}.png")
    out = tmp_path / "out" / "predictions.csv"
    cli = run_cli(  # no config and no data overrides: the checkpoint holds the training data settings
        "predict",
        "--ckpt_path",
        ckpt,
        "--predict_input",
        str(tmp_path / "new"),
        "--prediction_writer.path",
        str(out),
        logger="false",
    )
    assert f"wrote 7 predictions to {out}" in capsys.readouterr().out
    rows = read_rows(out)
    assert [os.path.basename(r["path"]) for r in rows] == [f"n{i}.png" for i in range(7)]
    names = sorted(CLASSES)
    assert list(rows[0]) == ["path", "prediction"] + [f"prob_{n}" for n in names]
    probs = torch.tensor([[float(r[f"prob_{n}"]) for n in names] for r in rows])  # (7, 3)
    assert torch.allclose(probs.sum(1), torch.ones(7), atol=1e-4)

    # the same images through classify() of the checkpoint give the same classes and probabilities
    model = load_checkpoint_model(ckpt).eval()
    assert model.class_names == names  # saved with the model
    cli.datamodule.set_predict_input(str(tmp_path / "new"))
    with torch.no_grad():
        expected = model.classify(cli.datamodule.predict_x).softmax(1)
    assert [r["prediction"] for r in rows] == [names[k] for k in expected.argmax(1).tolist()]
    assert torch.allclose(probs, expected, atol=1e-5)


def test_predict_defaults_to_the_test_split_and_the_run_folder(trained_on_folders, run_cli, tmp_path):
    labeled, unlabeled, ckpt = trained_on_folders
    cli = run_cli("predict", "--ckpt_path", ckpt, logger="false")
    rows = read_rows(tmp_path / "predictions.csv")  # <run>/checkpoints/last.ckpt -> <run>/predictions.csv
    assert [int(r["index"]) for r in rows] == list(range(6))  # the 6 held-out test images
    assert {r["prediction"] for r in rows} <= set(CLASSES)
    assert list(rows[0])[:3] == ["index", "label", "prediction"]  # the test split has labels: they are written
    names = cli.datamodule.class_names
    assert [r["label"] for r in rows] == [names[k] for k in cli.datamodule.splits.test_y.tolist()]
    assert cli.trainer.logger is None  # predicting trains nothing: no logger run


def test_predict_on_an_npy_array_and_bad_inputs(tmp_path, run_cli):
    run_cli("fit", "--config", DIGITS, "--trainer.max_epochs", "1", "--test_after_fit", "false", logger="false")
    ckpt = str(tmp_path / "checkpoints" / "last.ckpt")
    x = np.random.default_rng(0).random((5, 1, 8, 8)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "p.csv"
    run_cli(
        "predict",
        "--config",
        DIGITS,
        "--ckpt_path",
        ckpt,
        "--predict_input",
        str(tmp_path / "x.npy"),
        "--prediction_writer.path",
        str(out),
        logger="false",
    )
    rows = read_rows(out)
    assert [r["index"] for r in rows] == ["0", "1", "2", "3", "4"] and "prob_9" in rows[0]
    np.save(tmp_path / "wrong.npy", x.reshape(5, 64)[:, :60])
    with pytest.raises(ValueError, match=r"predict_input.*\(1, 8, 8\)"):
        run_cli(
            "predict",
            "--config",
            DIGITS,
            "--ckpt_path",
            ckpt,
            "--predict_input",
            str(tmp_path / "wrong.npy"),
            logger="false",
        )
    with pytest.raises(FileNotFoundError, match="predict_input"):
        run_cli(
            "predict",
            "--config",
            DIGITS,
            "--ckpt_path",
            ckpt,
            "--predict_input",
            str(tmp_path / "nowhere"),
            logger="false",
        )


def test_sample_writes_pngs_and_an_npz_from_a_checkpoint(run_cli, tmp_path, capsys):
    run_cli(
        "fit",
        "--config",
        DIGITS,
        "--trainer.max_epochs",
        "1",
        "--test_after_fit",
        "false",
        "--model.init_args.ema_decay",
        "0.9",
        logger="false",
    )
    ckpt = str(tmp_path / "checkpoints" / "last.ckpt")
    written = main(["sample", "--ckpt_path", ckpt, "--num", "12", "--out", str(tmp_path / "s")])
    assert "wrote 12 samples" in capsys.readouterr().out
    with np.load(tmp_path / "s" / "samples.npz") as data:
        x, classes = data["x"], data["classes"]
    assert x.shape == (12, 1, 8, 8) and 0.0 <= x.min() and x.max() <= 1.0
    assert classes.shape == (12,) and classes.max() < 10
    pngs = sorted(p for p in os.listdir(tmp_path / "s") if p.startswith("sample_"))
    assert len(pngs) == 12 and pngs[0] == f"sample_00000_class-{classes[0]}.png"
    pixels = np.asarray(Image.open(tmp_path / "s" / pngs[3]))
    assert pixels.shape == (8, 8) and np.abs(pixels / 255.0 - x[3, 0]).max() <= 0.5 / 255 + 1e-6
    # grid.png: 4 columns x 3 rows of 8x8 images enlarged 4 times (32 >= 28 px), 2 px of white around each
    grid = np.asarray(Image.open(written["grid"]))
    assert grid.shape == (3 * 34 + 2, 4 * 34 + 2) and grid[0].min() == 255
    assert np.array_equal(grid[2:34, 2 + 3 * 34 : 34 + 3 * 34], np.kron(pixels, np.ones((4, 4), dtype=np.uint8)))
    model = load_checkpoint_model(ckpt)  # from the EMA generator, with the same seeded latents
    z = model.sample_latent(12, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(torch.from_numpy(x), model.generator_ema.module.eval()(z), atol=1e-6)
    again = main(["sample", "--ckpt_path", ckpt, "--num", "12", "--out", str(tmp_path / "t"), "--format", "npz"])
    assert torch.equal(again["x"], written["x"]) and not any(p.endswith(".png") for p in os.listdir(tmp_path / "t"))
    with pytest.raises(SystemExit):
        main(["sample", "--ckpt_path", str(tmp_path / "missing.ckpt")])


def test_samples_of_a_clustering_catgan_are_named_by_cluster(tmp_path):
    from catgan import CatGAN
    from catgan.predictions import write_samples

    torch.manual_seed(0)
    model = CatGAN(image_shape=(1, 8, 8), num_classes=3, supervised_weight=0.0, num_clusters=30).eval()
    model.class_names = ["a", "b", "c"]  # the data's 3 class names must not label 30 clusters
    written = write_samples(model, 40, str(tmp_path), formats=["png"])
    clusters = written["classes"]
    assert int(clusters.max()) >= 3  # some sample sits in a cluster beyond the class count
    names = sorted(p for p in os.listdir(tmp_path) if p.startswith("sample_"))
    assert names[0] == f"sample_00000_cluster-{int(clusters[0])}.png" and len(names) == 40
