"""scripts/confusions.py: a checkpoint's confusions on a label split, the labeled examples, a picture of both."""

import pytest
import torch

from catgan.cli import load_checkpoint_model
from catgan.data import DigitsDataModule
from tests.conftest import fit_checkpoint, load_script

confusions = load_script("confusions")


def test_confusion_matrix_and_largest_confusions_by_hand():
    y = torch.tensor([0, 0, 1, 1, 1, 2, 2, 2, 2])
    pred = torch.tensor([0, 1, 1, 2, 2, 2, 0, 0, 0])
    cm = confusions.confusion_matrix(pred, y, 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 2], [3, 0, 1]]
    assert confusions.largest_confusions(cm, 2) == [(3, 2, 0), (2, 1, 2)]
    assert confusions.largest_confusions(cm, 10) == [(3, 2, 0), (2, 1, 2), (1, 0, 1)]  # zeros left out


def test_confusions_of_a_digits_checkpoint_match_its_classifier(run_cli, tmp_path, capsys):
    ckpt = fit_checkpoint(run_cli, "configs/digits_catgan.yaml", 3, "--data.init_args.seed", "4")
    out = str(tmp_path / "c.png")
    result = confusions.run(
        [
            "--ckpt",
            ckpt,
            "--config",
            "configs/digits_catgan.yaml",
            "--show",
            "1",
            "8",
            "--out",
            out,
            "--",
            "--data.init_args.seed",
            "4",
        ]
    )
    model = load_checkpoint_model(ckpt).eval()
    data = DigitsDataModule(num_labeled=50, seed=4)
    data.setup("fit")
    with torch.no_grad():
        pred = model.classify(data.splits.val_x).argmax(1)
    assert result["error"] == pytest.approx(float((pred != data.splits.val_y).float().mean()))
    wrong = int(((data.splits.val_y == 1) & (pred == 8)).sum())
    assert result["shown"] == min(wrong, 40)
    assert result["labeled_per_class"] == [5] * 10
    assert result["labeled_indices"] == data.labeled_indices.tolist()  # the run's split (seed 4), not the config's 0
    assert (
        result["labeled_indices"] != DigitsDataModule(num_labeled=50, seed=0).pick_labeled(data.splits.train_y).tolist()
    )
    assert (tmp_path / "c.png").stat().st_size > 1000
    assert "val error" in capsys.readouterr().out


def test_confusions_refuses_bad_arguments(tmp_path):
    with pytest.raises(SystemExit):
        confusions.run(["--ckpt", "x.ckpt", "--config", "configs/digits_catgan.yaml", "--show", "1", "2"])
    with pytest.raises(SystemExit, match="not found"):
        confusions.run(["--ckpt", str(tmp_path / "none.ckpt"), "--config", "configs/digits_catgan.yaml"])
