"""The small classifier whose feature space scores generated images (FD, KID in ``catgan.metrics``): built, saved
and loaded here (``scripts/train_feature_classifier.py`` trains it), and ``ClassifierFeatures``, its last hidden layer
as the feature extractor torchmetrics' FID/KID take."""

from __future__ import annotations

from typing import Dict, Sequence, Tuple

import torch
from torch import Tensor, nn


class ClassifierFeatures(nn.Module):
    """Feature extractor for torchmetrics' FID/KID: ``classifier.features(x)`` flattened to (B, F), in
    eval mode and without gradients whatever mode the wrapper is put in (the classifier stays frozen)."""

    def __init__(self, classifier: nn.Module, in_shape: Sequence[int]) -> None:
        super().__init__()
        if not callable(getattr(classifier, "features", None)):
            raise TypeError(
                f"{type(classifier).__name__} has no `features(x)` method: use a classifier saved by "
                "scripts/train_feature_classifier.py or a catgan.nets.MLPDiscriminator."
            )
        self.classifier = classifier.eval().requires_grad_(False)
        self.in_shape = tuple(int(s) for s in in_shape)
        device = next(classifier.parameters()).device
        self.num_features = int(self(torch.zeros(2, *self.in_shape, device=device)).shape[1])

    def train(self, mode: bool = True) -> ClassifierFeatures:
        return super().train(False)  # always evaluate the classifier in eval mode

    @torch.no_grad()
    def forward(self, x: Tensor) -> Tensor:
        return self.classifier.features(x.float()).float().flatten(1)  # (B, F)


FEATURE_CLASSIFIER_FORMAT = "catgan.feature_classifier.v1"


def build_feature_classifier(
    in_shape: Sequence[int], num_classes: int, hidden: Sequence[int] = (512, 256)
) -> nn.Module:
    """The classifier whose last hidden layer is the FD/KID feature space: an MLP without noise,
    dropout or batch norm (so train and eval modes compute the same features)."""
    from catgan.nets import MLPDiscriminator

    return MLPDiscriminator(in_shape, num_classes, hidden=tuple(hidden), noise_std=0.0, negative_slope=0.0)


def save_feature_classifier(
    classifier: nn.Module, path: str, in_shape: Sequence[int], num_classes: int, hidden: Sequence[int], **info: object
) -> None:
    torch.save(
        {
            "format": FEATURE_CLASSIFIER_FORMAT,
            "in_shape": list(in_shape),
            "num_classes": int(num_classes),
            "hidden": list(hidden),
            "state_dict": classifier.state_dict(),
            "info": info,
        },
        path,
    )


def load_feature_classifier(path: str, map_location: str = "cpu") -> Tuple[nn.Module, Dict[str, object]]:
    """A classifier saved by scripts/train_feature_classifier.py, in eval mode, and its saved record
    (``in_shape``, ``num_classes``, ``hidden``, ``info`` with the data set and test accuracy)."""
    import os

    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"No feature classifier at {path!r}: train one with "
            f"`python scripts/train_feature_classifier.py --out {path}`."
        )
    record = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(record, dict) or record.get("format") != FEATURE_CLASSIFIER_FORMAT:
        raise ValueError(f"{path!r} is not a feature classifier saved by scripts/train_feature_classifier.py.")
    classifier = build_feature_classifier(record["in_shape"], record["num_classes"], record["hidden"])
    classifier.load_state_dict(record["state_dict"])
    return classifier.eval(), record
