"""Per-example radii for virtual adversarial training (``vat_neighbors``): IMSAT's scale, wired to the data module.

``vat_radius_per_example`` runs once in the module's ``setup``: it asks the catgan data module to tell each training
batch's image rows (``unlabeled_index``) and returns ``vat_eps`` times each training image's distance to its k-th
nearest neighbour (``catgan.data.neighbors``). ``radii_of_batch`` looks a batch's radii up by those rows.
"""

from __future__ import annotations

import time
from typing import Optional

import torch
from torch import Tensor

from catgan.data.neighbors import kth_neighbor_distances


def vat_radius_per_example(module, k: int, eps: float) -> Tensor:
    """(N,) ``eps`` times the distance from each unlabeled training image to its ``k``-th nearest neighbour."""
    trainer = getattr(module, "_trainer", None)
    datamodule = getattr(trainer, "datamodule", None) if trainer is not None else None
    if datamodule is None or not hasattr(datamodule, "unlabeled_index") or not hasattr(datamodule, "_require_setup"):
        raise ValueError(
            f"vat_neighbors={k} needs a catgan data module (catgan.data.*DataModule, given to trainer.fit as "
            "datamodule=...), which tells each batch's rows in the training images; with plain dataloaders "
            "use vat_neighbors 0 (one radius, vat_eps, for every example)."
        )
    datamodule.unlabeled_index = True  # training batches now carry "unlabeled_index"
    images = datamodule._require_setup().train_x
    start = time.perf_counter()
    radius = eps * kth_neighbor_distances(images, k)  # (N,)
    print(
        f"vat_neighbors={k}: radius per training image = {eps} x distance to its {k}-th neighbour "
        f"(median {radius.median().item():.3g}, {images.shape[0]} images, {time.perf_counter() - start:.0f} s)"
    )
    return radius


def radii_of_batch(radius: Optional[Tensor], index: Optional[Tensor], device: torch.device) -> Tensor:
    """(B,) the radii of the images at rows ``index`` (B,) of the training images."""
    if radius is None or index is None:
        raise RuntimeError(
            "vat_neighbors > 0 needs the per-image radii (computed in setup, at the start of a fit) and the "
            "batch's 'unlabeled_index' (given by a catgan data module); fit with trainer.fit(model, datamodule=...)."
        )
    return radius[index.to(radius.device)].to(device)
