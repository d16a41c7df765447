"""Ensembles of trained classifiers: the class probabilities of several fits, averaged.

``class_probabilities(model, loader)`` runs a trained module's classifier (``model.classify``: the averaged D
when the module keeps one) in eval mode, noise off, over a loader of ``(x, y)`` batches and returns the
probabilities (N, K) and the labels (N,). ``ensemble_accuracy([probs_1, probs_2, ...], labels)`` is the
accuracy of their mean. ``scripts/reproduce.py --restarts R --ensemble`` uses both: R fits of one label split
from different initializations, scored as one classifier. ``EnsembleClassifier([model_a, model_b, ...])`` is that
classifier as one module, for use after training (its ``classify`` gives the log of the mean probabilities).

    probs_a, y = class_probabilities(model_a, datamodule.test_dataloader())
    probs_b, _ = class_probabilities(model_b, datamodule.test_dataloader())
    accuracy = ensemble_accuracy([probs_a, probs_b], y)

    ensemble = EnsembleClassifier.from_checkpoints(paths)  # any catgan fits of one task
    data = catgan.run_folders.load_checkpoint_datamodule(paths[0])  # the data of those fits (saved in the checkpoint)
    probs, y = class_probabilities(ensemble, data.test_dataloader())  # the mean of the members' probabilities
"""

from __future__ import annotations

import math
from typing import Iterable, List, Sequence, Tuple

import torch
from torch import Tensor, nn


def require_classifier(model: nn.Module, who: str) -> None:
    """TypeError naming the fix unless ``model`` has ``classify(x)`` (CatGAN, ImprovedGAN, SupervisedClassifier)."""
    if not callable(getattr(model, "classify", None)):
        raise TypeError(
            f"{who}: {type(model).__name__} has no classify(x); it needs a classifier module "
            "(CatGAN, ImprovedGAN, SupervisedClassifier)."
        )


def class_probabilities(model: nn.Module, loader: Iterable) -> Tuple[Tensor, Tensor]:
    """softmax(model.classify(x)) over every ``(x, y)`` batch of ``loader``, in eval mode: ((N, K), (N,)).
    The model's train/eval mode is restored afterwards."""
    require_classifier(model, "class_probabilities")
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


class EnsembleClassifier(nn.Module):
    """Several trained classifiers as one: ``classify(x)`` is log(mean of the members' softmax(classify(x))), so its
    softmax (and ``class_probabilities``) is the mean of their class probabilities and its argmax the ensemble's class.
    Members keep their own train/eval mode; ``eval()`` on the ensemble sets every member's."""

    def __init__(self, members: Sequence[nn.Module]):
        super().__init__()
        members = list(members)
        if not members:
            raise ValueError("EnsembleClassifier needs at least one member (a trained CatGAN, ImprovedGAN, ...).")
        for member in members:
            require_classifier(member, "EnsembleClassifier")
        self.members = nn.ModuleList(members)

    def classify(self, x: Tensor) -> Tensor:
        """(B, K) log of the members' mean class probabilities; members must agree on K."""
        logs = [m.classify(x).float().log_softmax(dim=1) for m in self.members]  # each (B, K)
        if len({tuple(t.shape) for t in logs}) != 1:
            raise ValueError(
                f"EnsembleClassifier: the members give {[tuple(t.shape) for t in logs]} outputs for one batch; every "
                "member must classify into the same K classes."
            )
        return torch.logsumexp(torch.stack(logs), dim=0) - math.log(len(logs))  # (B, K)

    forward = classify

    @classmethod
    def from_checkpoints(cls, paths: Sequence[str]) -> EnsembleClassifier:
        """The ensemble of the classifiers saved in ``paths`` (checkpoints of ``catgan fit`` or of any catgan module:
        CatGAN, ImprovedGAN, SupervisedClassifier, in any mix), in eval mode. They must solve one task: the same
        image shape, classes and data set; checkpoints of different tasks are refused, naming the difference."""
        from catgan.run_folders import checkpoint_config, load_checkpoint_model

        paths = [str(p) for p in paths]
        if not paths:
            raise ValueError("EnsembleClassifier.from_checkpoints needs at least one checkpoint path.")
        members = [load_checkpoint_model(p) for p in paths]
        tasks = [task_of(m, checkpoint_config(p)) for m, p in zip(members, paths)]
        for name in dict.fromkeys(name for task in tasks for name in task):  # in a fixed order
            given = [(p, task[name]) for p, task in zip(paths, tasks) if name in task]
            if any(v != given[0][1] for _, v in given):
                listed = "; ".join(f"{p}: {v}" for p, v in given)
                raise ValueError(
                    f"EnsembleClassifier.from_checkpoints: the checkpoints are of different tasks ({name} differs: "
                    f"{listed}); an ensemble averages classifiers of one task: pass checkpoints of one data set."
                )
        return cls(members).eval()


def task_of(model: nn.Module, config) -> dict:
    """What a classifier was trained to do: its input shape, its classes and (when the checkpoint saved it) the
    data class."""
    names: List[str] = list(getattr(model, "class_names", None) or [])
    task = {
        "image shape": tuple(getattr(model, "image_shape", ())),
        "number of classes": int(getattr(model, "num_classes", 0)),
        "class names": names,
    }
    data = (config or {}).get("data") or {}
    if data.get("class_path"):
        task["data set"] = data["class_path"]
    return task
