"""scripts/sample_quality.py: configs fitted and scored on one feature-classifier file, a JSON record and a
sample grid per config, real data as the floor."""

import json
import os

from PIL import Image

from tests.conftest import CONFIGS, load_script


def test_a_barely_trained_generator_scores_far_above_the_real_floor(tmp_path, capsys):
    classifier = str(tmp_path / "features.pt")
    load_script("train_feature_classifier").main(["--data", "digits", "--epochs", "3", "--out", classifier])
    out = str(tmp_path / "quality")
    configs = [os.path.join(CONFIGS, name) for name in ("digits_gan_hinge.yaml", "digits_catgan.yaml")]
    quick = ["--", "--trainer.max_epochs", "1", "--trainer.limit_train_batches", "2", "--torch_threads", "1"]
    records = load_script("sample_quality").main(
        ["--configs", *configs, "--classifier", classifier, "--out", out, "--samples", "300"] + quick
    )
    printed = capsys.readouterr().out
    assert [os.path.basename(r["config"]) for r in records] == ["digits_gan_hinge.yaml", "digits_catgan.yaml"]
    for r in records:
        assert r["fd"] > 5 * r["real_floor"]["fd"] > 0  # 2 steps of training vs real digits
        saved = json.load(open(os.path.join(out, f"{os.path.basename(r['config'])[:-5]}_seed0.json")))
        assert saved["fd"] == r["fd"] and saved["samples"] == 300
    assert records[1]["error"] == 1 - records[1]["metrics"]["test/acc"] and "test_cluster_error" in records[1]
    assert records[0]["error"] is None and "test_cluster_error" not in records[0]  # CatGAN classifies, the GAN does not
    grid = Image.open(os.path.join(out, "digits_catgan_seed0.png"))
    assert grid.mode == "RGB" and grid.size[0] > 100
    assert "| real training images |" in printed and "| `digits_catgan.yaml` |" in printed
