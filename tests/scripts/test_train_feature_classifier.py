"""scripts/train_feature_classifier.py: a feature classifier trained on every digits label, saved, reloaded and
separating real images from noise in FD/KID."""

import torch

from catgan.data import DigitsDataModule
from catgan.feature_classifier import ClassifierFeatures, load_feature_classifier
from catgan.metrics import sample_quality
from tests.conftest import load_script


def feature_classifier_script():
    return load_script("train_feature_classifier")


def test_feature_classifier_script_saves_a_classifier_that_reloads(tmp_path):
    out = str(tmp_path / "features.pt")
    info = feature_classifier_script().main(
        ["--data", "digits", "--epochs", "20", "--hidden", "64", "32", "--out", out]
    )
    classifier, record = load_feature_classifier(out)
    dm = DigitsDataModule(num_labeled=0)
    dm.setup()
    accuracy = (classifier(dm.splits.test_x).argmax(1) == dm.splits.test_y).float().mean().item()
    assert abs(accuracy - info["test_accuracy"]) < 1e-6 and accuracy > 0.5  # 10 classes: chance is 0.1
    assert record["info"]["data"] == "digits" and ClassifierFeatures(classifier, (1, 8, 8)).num_features == 32
    # real test images are closer to real training images than uniform noise is
    extractor = ClassifierFeatures(classifier, (1, 8, 8))
    close = sample_quality(extractor, dm.splits.test_x, dm.splits.train_x[:500], kid_subset_size=200)
    far = sample_quality(extractor, dm.splits.test_x, torch.rand(500, 1, 8, 8), kid_subset_size=200)
    assert close["fd"] < far["fd"] and close["kid"] < far["kid"]
