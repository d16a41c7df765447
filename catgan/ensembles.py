"""Ensembles of trained classifiers: the class probabilities of several fits, averaged.

``class_probabilities(model, loader)`` runs a trained module's classifier (``model.classify``: the averaged D
when the module keeps one) in eval mode, noise off, over a loader of ``(x, y)`` batches and returns the
probabilities (N, K) and the labels (N,). ``ensemble_accuracy([probs_1, probs_2, ...], labels)`` is the
accuracy of their mean. ``scripts/reproduce.py --restarts R --ensemble`` uses both: R fits of one label split
from different initializations, scored as one classifier.

    probs_a, y = class_probabilities(model_a, datamodule.test_dataloader())
    probs_b, _ = class_probabilities(model_b, datamodule.test_dataloader())
    accuracy = ensemble_accuracy([probs_a, probs_b], y)
"""

from __future__ import annotations

from typing import Iterable, Sequence, Tuple

import torch
from torch import Tensor, nn


def class_probabilities(model: nn.Module, loader: Iterable) -> Tuple[Tensor, Tensor]:
    """softmax(model.classify(x)) over every ``(x, y)`` batch of ``loader``, in eval mode: ((N, K), (N,)).
    The model's train/eval mode is restored afterwards."""
    if not callable(getattr(model, "classify", None)):
        raise TypeError(
            f"{type(model).__name__} has no classify(x): class probabilities need a classifier module "
            "(CatGAN, ImprovedGAN, SupervisedClassifier)."
        )
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    probs, labels = [], []
    try:
        with torch.no_grad():
            for x, y in loader:
                probs.append(model.classify(x.to(device)).float().softmax(dim=1).cpu())  # (B, K)
                labels.append(y.cpu())  # (B,)
    finally:
        model.train(was_training)
    if not probs:
        raise ValueError("class_probabilities: the loader gave no batches.")
    return torch.cat(probs), torch.cat(labels)


def ensemble_accuracy(members: Sequence[Tensor], labels: Tensor) -> float:
    """Accuracy of the mean of the members' class probabilities, each (N, K), against ``labels`` (N,)."""
    if not members:
        raise ValueError("ensemble_accuracy needs at least one member's probabilities.")
    shapes = {tuple(p.shape) for p in members}
    if len(shapes) != 1 or next(iter(shapes))[0] != labels.shape[0]:
        raise ValueError(
            f"ensemble_accuracy: the members' probabilities have shapes {sorted(shapes)} for {labels.shape[0]} labels; "
            "every member must score the same examples in the same order."
        )
    mean = torch.stack([p.float() for p in members]).mean(dim=0)  # (N, K)
    return (mean.argmax(dim=1) == labels).float().mean().item()
