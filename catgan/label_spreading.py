"""Label spreading through a trained discriminator's features, after training.

The labeled examples' classes spread over the k-nearest-neighbour graph of D's last hidden layer (scikit-learn's
``LabelSpreading``, Zhou et al. 2004) built on the training images and the images to classify together: the images to
classify join the graph as unlabeled nodes (transductive; their labels are read only to score the result). The
spread class distribution is mixed with D's own class probabilities, ``(1 - w) p_D + w p_spread``, for each mixing
weight ``w`` asked for; ``w = 0`` is D alone.

    from catgan.run_folders import load_checkpoint_datamodule, load_checkpoint_model
    model, data = load_checkpoint_model(path), load_checkpoint_datamodule(path)
    errors = spread_through_features(model, data, split="val", neighbors=10, alpha=0.99)
    # {"0": D's error, "0.5": ..., "1": label spreading alone}

``scripts/spread_labels.py`` runs it on checkpoints and writes a record.
"""

from __future__ import annotations

from typing import Dict, Sequence

import numpy as np
import torch
from torch import Tensor, nn


@torch.no_grad()
def discriminator_features(model: nn.Module, x: Tensor, batch_size: int = 1000) -> Tensor:
    """(N, F) last hidden layer of the module's classifying D (the averaged D when it keeps one), eval mode, fp32."""
    net = getattr(model, "classifying_discriminator", model)
    if not callable(getattr(net, "features", None)):
        raise TypeError(
            f"{type(net).__name__} has no features(x): label spreading needs a catgan D "
            "(MLPDiscriminator, ConvDiscriminator) or a module with classifying_discriminator."
        )
    was_training = net.training
    net.eval()
    try:
        device = next(net.parameters(), torch.empty(0)).device
        parts = [
            net.features(x[i : i + batch_size].to(device)).float().flatten(1).cpu()
            for i in range(0, x.shape[0], batch_size)
        ]  # each (B, F)
    finally:
        net.train(was_training)
    return torch.cat(parts)


def spread_labels(
    features: Tensor, labeled_index: Tensor, labels: Tensor, num_classes: int, neighbors: int = 10, alpha: float = 0.99
) -> Tensor:
    """(N, K) class distributions of every row of ``features`` (N, F) from the labels (L,) of rows ``labeled_index``
    (L,), spread over the k-NN graph of the unit-length features (cosine neighbours)."""
    from sklearn.semi_supervised import LabelSpreading

    if labeled_index.numel() != labels.numel() or labels.numel() == 0:
        raise ValueError(
            f"spread_labels: {labeled_index.numel()} labeled rows but {labels.numel()} labels; give one "
            "label per labeled row, at least one."
        )
    if not 0.0 < alpha < 1.0 or neighbors < 1:
        raise ValueError(f"spread_labels: alpha must be in (0, 1) and neighbors >= 1, got {alpha}, {neighbors}.")
    unit = torch.nn.functional.normalize(features.float(), dim=1).numpy()  # (N, F)
    target = np.full(unit.shape[0], -1, dtype=np.int64)
    target[labeled_index.numpy()] = labels.numpy()
    model = LabelSpreading(kernel="knn", n_neighbors=neighbors, alpha=alpha, max_iter=1000, n_jobs=1).fit(unit, target)
    spread = np.zeros((unit.shape[0], num_classes))
    spread[:, model.classes_] = model.label_distributions_  # classes without a label keep probability 0
    return torch.as_tensor(spread, dtype=torch.float32)


def spread_through_features(
    model: nn.Module,
    data,
    split: str = "val",
    neighbors: int = 10,
    alpha: float = 0.99,
    weights: Sequence[float] = (0.0, 0.5, 1.0),
) -> Dict[str, float]:
    """Error on ``split`` (``val`` or ``test``) of ``(1 - w) p_D + w p_spread`` for each weight ``w``, keyed by ``w``:
    labels spread from the data module's labeled training examples over D's features of all training images and
    the split's images."""
    from catgan.ensembles import class_probabilities

    if split not in ("val", "test"):
        raise ValueError(f"spread_through_features: split is 'val' or 'test', got {split!r}.")
    data.setup("fit")
    splits = data.splits
    x, y = getattr(splits, f"{split}_x"), getattr(splits, f"{split}_y")
    if x.shape[0] == 0:
        raise ValueError(f"spread_through_features: the {split} split is empty (val_size 0?): use the other split.")
    train = splits.train_x.shape[0]
    labeled = data.labeled_indices
    features = discriminator_features(model, torch.cat([splits.train_x, x]))  # (N_train + N, F)
    spread = spread_labels(features, labeled, splits.train_y[labeled], model.num_classes, neighbors, alpha)[train:]
    probs, _ = class_probabilities(model, getattr(data, f"{split}_dataloader")())  # (N, K)
    return {f"{w:g}": ((1 - w) * probs + w * spread).argmax(1).ne(y).float().mean().item() for w in weights}
