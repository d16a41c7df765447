"""The augmentation-consistency term of D (``consistency_weight``): FixMatch / UDA on the real unlabeled batch.

D labels a weakly augmented view of each real unlabeled image (shifted by up to ``consistency_weak_shift`` pixels;
no graph, D's Gaussian noise and dropout off) and is trained to give a strongly augmented view (``consistency_augment``,
by default ``RandomAffine()``: rotation, scaling, shear, translation) the same class (``catgan.losses.consistency_loss``).
Both passes normalize by their own batch's statistics and leave batch norm's running statistics untouched. Images of one
digit written in different ways are then pulled into one class wherever a transformation links them, so a style that
no labeled image shows can still be named through its neighbours.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from catgan.data.augment import RandomAffine, random_shift
from catgan.losses import LossAndParts, consistency_loss
from catgan.nets.layers import frozen_batch_norm_stats, noise_layers_off

Augment = Callable[[Tensor, Sequence[int]], Tensor]


def check_consistency_options(
    weight: float,
    threshold: Optional[float],
    weak_shift: int,
    augment: Optional[Augment],
    num_outputs: int,
    image_shape: Sequence[int],
) -> Augment:
    """Errors before any work; returns the strong augmentation to use (``RandomAffine()`` when None)."""
    if not weight >= 0 or (threshold is not None and not 0 <= threshold <= 1):
        raise ValueError(
            f"consistency_weight must be >= 0 (0: no term) and consistency_threshold in [0, 1] (FixMatch's 0.95) or "
            f"None (soft targets, UDA); got consistency_weight={weight}, consistency_threshold={threshold}."
        )
    if isinstance(weak_shift, bool) or not isinstance(weak_shift, int) or weak_shift < 0:
        raise ValueError(
            f"consistency_weak_shift must be an integer >= 0 (pixels; 0 = the image itself), got {weak_shift!r}."
        )
    if weight > 0 and num_outputs < 2:
        raise ValueError(
            f"consistency_weight={weight} needs a classifier D (K >= 2 class logits, as CatGAN's and ImprovedGAN's): a D "
            f"with {num_outputs} output has no class to keep; use consistency_weight 0."
        )
    if weight > 0 and len(image_shape) != 3 and (weak_shift or augment is None):
        raise ValueError(
            f"consistency_weight={weight} transforms images, but image_shape is {tuple(image_shape)}: give the data as "
            "images (C, H, W) (e.g. flatten false), or pass consistency_weak_shift 0 and a consistency_augment of your own."
        )
    if augment is not None and not callable(augment):
        raise TypeError(f"consistency_augment must be callable as augment(x, image_shape), got {augment!r}.")
    return RandomAffine() if augment is None else augment


def augmentation_consistency_loss(
    discriminator: nn.Module,
    real: Tensor,
    image_shape: Sequence[int],
    augment: Augment,
    threshold: Optional[float],
    weak_shift: int,
) -> LossAndParts:
    """``consistency_loss`` of ``discriminator`` on ``real`` (B, ...): targets from the weak view, a graph through the
    strong view only."""
    with torch.no_grad(), noise_layers_off(discriminator), frozen_batch_norm_stats(discriminator):
        weak = random_shift(real, weak_shift, tuple(image_shape)) if weak_shift else real  # (B, ...)
        probs = F.softmax(discriminator(weak).float(), dim=-1)  # (B, K) the targets
    with frozen_batch_norm_stats(discriminator):
        logits = discriminator(augment(real, image_shape))  # (B, K)
    return consistency_loss(logits, probs, threshold)


def consistency_term_of(module, real: Tensor) -> LossAndParts:
    """The term of an ``AdversarialModule`` (its D and ``consistency_*`` settings) on its real unlabeled batch."""
    return augmentation_consistency_loss(
        module.discriminator,
        real,
        module.image_shape,
        module.consistency_augment,
        module.consistency_threshold,
        module.consistency_weak_shift,
    )
