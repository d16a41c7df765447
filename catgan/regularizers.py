"""Regularizers of the discriminator: terms added to D's loss beside the model's own, listed in a config as

    model:
      init_args:
        d_regularizers:
          - class_path: catgan.regularizers.VAT
            init_args: {weight: 1.0, eps: 2.0}

Each is an object with one interface: ``check(module)`` (errors before any work, once D is built),
``setup(module, datamodule)`` (at the start of a fit) and ``term(module, batch, fake) -> (loss, parts)``; the
adversarial loop adds ``weight * loss`` to D's loss, in the listed order, and logs the parts under ``train/d/``.
The loss math is in ``catgan.losses``; here is what runs D for it (noise off, batch-norm statistics frozen).
"""

from __future__ import annotations

import time
from typing import Callable, Dict, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from catgan.data.augment import RandomAffine, random_shift
from catgan.data.neighbors import kth_neighbor_distances
from catgan.losses import LossAndParts, consistency_loss, gradient_penalty, virtual_adversarial_loss
from catgan.nets.layers import frozen_batch_norm_stats, noise_layers_off

Augment = Callable[[Tensor, Sequence[int]], Tensor]


class DiscriminatorRegularizer:
    """A term of D's loss: ``weight * term(module, batch, fake)``; weight 0 leaves it out (nothing is drawn)."""

    def __init__(self, weight: float = 1.0) -> None:
        if not weight >= 0:
            raise ValueError(f"{type(self).__name__}: weight must be >= 0 (0: no term), got {weight}.")
        self.weight = float(weight)

    def check(self, module) -> None:
        """Raise a clear error if this term cannot apply to ``module`` (an ``AdversarialModule`` with D built)."""

    def setup(self, module, datamodule) -> None:
        """Prepare for a fit of ``module`` on ``datamodule`` (None with plain dataloaders)."""

    def term(self, module, batch: Dict[str, Tensor], fake: Tensor) -> LossAndParts:
        """(the unweighted term, its parts to log) for a training ``batch`` and the D step's generated ``fake``."""
        raise NotImplementedError

    def _needs_classifier(self, module) -> None:
        if self.weight > 0 and module.discriminator_outputs < 2:
            raise ValueError(
                f"{type(self).__name__} (weight {self.weight}) needs a classifier D (K >= 2 class logits, as CatGAN's "
                f"and ImprovedGAN's): a D with {module.discriminator_outputs} output has no class distribution; "
                "drop it from d_regularizers."
            )


class VAT(DiscriminatorRegularizer):
    """Virtual adversarial training of D (Miyato et al. 2018) on the real unlabeled batch: ``train/d/vat``.

    mean_i KL(p(y|x_i) || p(y|x_i + r_i)), r_i of L2 norm ``eps`` found by one power iteration
    (``catgan.losses.virtual_adversarial_loss``), with D's Gaussian noise and dropout off and batch norm by the
    real batch's own statistics, running statistics untouched.

    Args:
        weight: the term's weight in D's loss.
        eps: the perturbation's L2 norm, in the data's units (or the factor of each example's radius, ``neighbors``).
        xi: the power iteration's finite-difference step.
        neighbors: k > 0: example i's radius is ``eps`` times its distance to its k-th nearest unlabeled training
            image (IMSAT: k 10, eps 0.25), computed once per fit; needs a catgan data module. 0: ``eps`` for all.
    """

    def __init__(self, weight: float = 1.0, eps: float = 2.0, xi: float = 1e-3, neighbors: int = 0) -> None:
        super().__init__(weight)
        if not eps > 0 or not xi > 0:
            raise ValueError(f"VAT: eps and xi must be > 0 (e.g. 2.0 and 1e-3); got eps={eps}, xi={xi}.")
        if isinstance(neighbors, bool) or not isinstance(neighbors, int) or neighbors < 0:
            raise ValueError(
                f"VAT: neighbors must be an integer >= 0 (0: one radius eps for all; IMSAT uses 10), got {neighbors!r}."
            )
        self.eps, self.xi, self.neighbors = float(eps), float(xi), neighbors
        self.radius: Optional[Tensor] = None  # (N,) per unlabeled training image, set in setup when neighbors > 0

    def check(self, module) -> None:
        self._needs_classifier(module)

    def setup(self, module, datamodule) -> None:
        if self.neighbors > 0 and self.weight > 0 and self.radius is None:
            self.radius = radius_per_example(datamodule, self.neighbors, self.eps)

    def term(self, module, batch: Dict[str, Tensor], fake: Tensor) -> LossAndParts:
        real = batch["unlabeled"]
        eps: Union[float, Tensor] = self.eps
        if self.neighbors > 0:
            eps = radii_of_batch(self.radius, batch.get("unlabeled_index"), real.device)  # (B,)
        with noise_layers_off(module.discriminator), frozen_batch_norm_stats(module.discriminator):
            return virtual_adversarial_loss(module.discriminator, real, eps, self.xi)


def radius_per_example(datamodule, k: int, eps: float) -> Tensor:
    """(N,) ``eps`` times the distance from each unlabeled training image to its ``k``-th nearest neighbour; tells the
    catgan ``datamodule`` to give each training batch's rows (``unlabeled_index``)."""
    if datamodule is None or not hasattr(datamodule, "unlabeled_index") or not hasattr(datamodule, "_require_setup"):
        raise ValueError(
            f"VAT(neighbors={k}) needs a catgan data module (catgan.data.*DataModule, given to trainer.fit as "
            "datamodule=...), which tells each batch's rows in the training images; with plain dataloaders "
            "use neighbors 0 (one radius, eps, for every example)."
        )
    datamodule.unlabeled_index = True  # training batches now carry "unlabeled_index"
    images = datamodule._require_setup().train_x
    start = time.perf_counter()
    radius = eps * kth_neighbor_distances(images, k)  # (N,)
    print(
        f"VAT(neighbors={k}): radius per training image = {eps} x distance to its {k}-th neighbour "
        f"(median {radius.median().item():.3g}, {images.shape[0]} images, {time.perf_counter() - start:.0f} s)"
    )
    return radius


def radii_of_batch(radius: Optional[Tensor], index: Optional[Tensor], device: torch.device) -> Tensor:
    """(B,) the radii of the images at rows ``index`` (B,) of the training images."""
    if radius is None or index is None:
        raise RuntimeError(
            "VAT(neighbors > 0) needs the per-image radii (computed in setup, at the start of a fit) and the "
            "batch's 'unlabeled_index' (given by a catgan data module); fit with trainer.fit(model, datamodule=...)."
        )
    return radius[index.to(radius.device)].to(device)


class AugmentationConsistency(DiscriminatorRegularizer):
    """Augmentation consistency of D (FixMatch, Sohn et al. 2020) on the real unlabeled batch: ``train/d/consistency``
    and ``train/d/consistency_mask`` (the fraction of the batch above the threshold).

    D labels each image shifted by up to ``weak_shift`` pixels (no graph; noise and dropout off) and is taught that
    class on the image through ``augment`` (``catgan.losses.consistency_loss``); both passes normalize by their own
    batch's statistics and leave batch norm's running statistics untouched.

    Args:
        weight: the term's weight in D's loss.
        threshold: the weak view's class is used where its probability is >= threshold; None: KL from the soft
            prediction (UDA).
        augment: the strong augmentation, ``augment(x, image_shape)``; None: ``catgan.data.augment.RandomAffine()``.
        weak_shift: the weak view's largest shift in pixels (0: the image itself).
    """

    def __init__(
        self,
        weight: float = 1.0,
        threshold: Optional[float] = 0.95,
        augment: Optional[RandomAffine] = None,
        weak_shift: int = 1,
    ) -> None:
        super().__init__(weight)
        if threshold is not None and not 0 <= threshold <= 1:
            raise ValueError(
                f"AugmentationConsistency: threshold must be in [0, 1] (FixMatch's 0.95) or None (soft targets, "
                f"UDA); got {threshold}."
            )
        if isinstance(weak_shift, bool) or not isinstance(weak_shift, int) or weak_shift < 0:
            raise ValueError(
                f"AugmentationConsistency: weak_shift must be an integer >= 0 (pixels; 0 = the image itself), got "
                f"{weak_shift!r}."
            )
        if augment is not None and not callable(augment):
            raise TypeError(
                f"AugmentationConsistency: augment must be callable as augment(x, image_shape), got {augment!r}."
            )
        self.threshold, self.weak_shift = threshold, weak_shift
        self.given_augment = augment is not None
        self.augment: Augment = RandomAffine() if augment is None else augment

    def check(self, module) -> None:
        self._needs_classifier(module)
        shape = tuple(module.image_shape)
        if self.weight > 0 and len(shape) != 3 and (self.weak_shift or not self.given_augment):
            raise ValueError(
                f"AugmentationConsistency transforms images, but image_shape is {shape}: give the data as images "
                "(C, H, W) (e.g. flatten false), or pass weak_shift 0 and an augment of your own."
            )

    def term(self, module, batch: Dict[str, Tensor], fake: Tensor) -> LossAndParts:
        discriminator, real, shape = module.discriminator, batch["unlabeled"], tuple(module.image_shape)
        with torch.no_grad(), noise_layers_off(discriminator), frozen_batch_norm_stats(discriminator):
            weak = random_shift(real, self.weak_shift, shape) if self.weak_shift else real  # (B, ...)
            probs = F.softmax(discriminator(weak).float(), dim=-1)  # (B, K) the targets
        with frozen_batch_norm_stats(discriminator):
            logits = discriminator(self.augment(real, shape))  # (B, K), a graph through the strong view only
        return consistency_loss(logits, probs, self.threshold)


class GradientPenalty(DiscriminatorRegularizer):
    """WGAN-GP's penalty (Gulrajani et al. 2017) on a D with one score per example: ``train/d/gradient_penalty`` and
    ``train/d/grad_norm`` (``catgan.losses.gradient_penalty`` on random interpolates of the real and generated batch).

    Args:
        weight: the penalty's weight in D's loss (WGAN-GP: 10).
    """

    def check(self, module) -> None:
        if self.weight > 0 and module.discriminator_outputs != 1:
            raise ValueError(
                f"GradientPenalty is WGAN-GP's penalty on a D with one score per example; this D has "
                f"{module.discriminator_outputs} outputs: use it with catgan.GAN (loss wasserstein)."
            )

    def term(self, module, batch: Dict[str, Tensor], fake: Tensor) -> LossAndParts:
        return gradient_penalty(lambda x: module.discriminate(None, x)[0], batch["unlabeled"], fake)
