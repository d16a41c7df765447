"""Random image transformations: whole-pixel translations of training batches (``labeled_shift`` / ``unlabeled_shift``
of the data modules) and the random affine maps of the consistency term (``catgan.regularizers.AugmentationConsistency``).

``random_shift`` moves each image of a batch by its own whole-pixel offset (dy, dx), each drawn uniformly
from {-s, ..., s}, and fills the uncovered border with zeros (the background of digits and MNIST in [0, 1]; for
data scaled to [-1, 1] zero is mid-grey).
The offsets come from the generator the loader passes in, seeded by the loader's position (seed, epoch, pass,
batch, rank), so a resumed run draws exactly the shifts an uninterrupted one would.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def check_shift(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0 (the largest shift in pixels; 0 = off), got {value!r}.")
    return value


def random_shift(
    x: Tensor, max_shift: int, image_shape: Tuple[int, int, int], generator: Optional[torch.Generator] = None
) -> Tensor:
    """``x`` (B, ...) holding B images of ``image_shape`` (C, H, W), flattened or not; returns the same shape."""
    if max_shift == 0:
        return x
    b = x.shape[0]
    c, h, w = image_shape
    s = max_shift
    padded = F.pad(x.reshape(b, c, h, w), (s, s, s, s))  # (B, C, H + 2s, W + 2s), zeros around
    dy = torch.randint(0, 2 * s + 1, (b,), generator=generator)  # 0..2s: offset s is no move
    dx = torch.randint(0, 2 * s + 1, (b,), generator=generator)
    rows = (dy[:, None] + torch.arange(h)[None, :]).to(x.device)  # (B, H)
    cols = (dx[:, None] + torch.arange(w)[None, :]).to(x.device)  # (B, W)
    batch = torch.arange(b, device=x.device)[:, None, None, None]
    channel = torch.arange(c, device=x.device)[None, :, None, None]
    out = padded[batch, channel, rows[:, None, :, None], cols[:, None, None, :]]  # (B, C, H, W)
    return out.reshape(x.shape)


class RandomShift:
    """The loader's transform: ``RandomShift(s, (C, H, W))(x, generator)``."""

    def __init__(self, max_shift: int, image_shape: Tuple[int, int, int]) -> None:
        self.max_shift, self.image_shape = int(max_shift), tuple(int(d) for d in image_shape)

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        return random_shift(x, self.max_shift, self.image_shape, generator)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"RandomShift(max_shift={self.max_shift}, image_shape={self.image_shape})"


def _uniform(n: int, half_width: float, generator: Optional[torch.Generator]) -> Tensor:
    return (torch.rand(n, generator=generator) * 2.0 - 1.0) * half_width  # (n,) on [-half_width, half_width]


def affine_warp(
    x: Tensor, image_shape: Sequence[int], angle: Tensor, zoom: Tensor, slant: Tensor, tx: Tensor, ty: Tensor
) -> Tensor:
    """Each image i of ``x`` (B, ...), of ``image_shape`` (C, H, W), flattened or not, rotated by ``angle[i]`` (radians,
    counter-clockwise as displayed, rows down: ``torch.rot90(x, 1, (-2, -1))`` at pi / 2), scaled by ``zoom[i]``, sheared by ``slant[i]`` and moved
    by ``tx[i]`` pixels right and ``ty[i]`` down, about the image's centre; bilinear, zeros outside. All parameters (B,)."""
    b = x.shape[0]
    c, h, w = (int(d) for d in image_shape)
    cos, sin = torch.cos(angle), torch.sin(angle)
    # (B, 2, 3): where each output pixel reads the input, in affine_grid's [-1, 1] units (the inverse map)
    theta = torch.stack(
        [
            torch.stack([cos / zoom, (slant * cos - sin) / zoom, -tx * 2.0 / w], dim=1),
            torch.stack([sin / zoom, (cos + slant * sin) / zoom, -ty * 2.0 / h], dim=1),
        ],
        dim=1,
    ).to(x)
    grid = F.affine_grid(theta, [b, c, h, w], align_corners=False)  # (B, H, W, 2)
    out = F.grid_sample(x.reshape(b, c, h, w), grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return out.reshape(x.shape)


def random_affine(
    x: Tensor,
    image_shape: Sequence[int],
    rotation: float = 20.0,
    scale: float = 0.15,
    shear: float = 0.3,
    translation: float = 1.5,
    erase: int = 0,
    generator: Optional[torch.Generator] = None,
) -> Tensor:
    """Each image of ``x`` (B, ...) through its own random ``affine_warp``: rotated by up to ``rotation`` degrees,
    scaled by 1 ± up to ``scale``, sheared by up to ``shear`` (the tangent), moved by up to ``translation`` pixels in
    each direction (all uniform); then, with ``erase`` > 0, a random ``erase`` x ``erase`` square set to zero (cutout).
    Draws from ``generator`` (CPU), or the global RNG when None."""
    b = x.shape[0]
    c, h, w = (int(d) for d in image_shape)
    angle = _uniform(b, rotation * math.pi / 180.0, generator)  # (B,)
    zoom = 1.0 + _uniform(b, scale, generator)  # (B,)
    slant = _uniform(b, shear, generator)  # (B,)
    tx, ty = _uniform(b, translation, generator), _uniform(b, translation, generator)  # (B,) pixels
    out = affine_warp(x, image_shape, angle, zoom, slant, tx, ty)
    if erase > 0:
        top = torch.randint(0, h - erase + 1, (b,), generator=generator)[:, None, None]  # (B, 1, 1)
        left = torch.randint(0, w - erase + 1, (b,), generator=generator)[:, None, None]
        rows, cols = torch.arange(h)[None, :, None], torch.arange(w)[None, None, :]
        hole = (rows >= top) & (rows < top + erase) & (cols >= left) & (cols < left + erase)  # (B, H, W)
        out = (out.reshape(b, c, h, w) * (~hole).to(out)[:, None]).reshape(x.shape)
    return out


class RandomAffine:
    """The consistency term's strong augmentation: ``RandomAffine(rotation=20, ...)(x, image_shape)`` (see
    ``random_affine``), drawing from the global RNG (saved in checkpoints, so a resumed fit draws the same maps)."""

    def __init__(
        self, rotation: float = 20.0, scale: float = 0.15, shear: float = 0.3, translation: float = 1.5, erase: int = 0
    ) -> None:
        if min(rotation, scale, shear, translation) < 0 or not 0 <= scale < 1:
            raise ValueError(
                "RandomAffine needs rotation, shear, translation >= 0 and 0 <= scale < 1 (e.g. 20, 0.15, 0.3, 1.5); got "
                f"rotation={rotation}, scale={scale}, shear={shear}, translation={translation}."
            )
        self.rotation, self.scale, self.shear, self.translation = (
            float(rotation),
            float(scale),
            float(shear),
            float(translation),
        )
        if isinstance(erase, bool) or not isinstance(erase, int) or erase < 0:
            raise ValueError(
                f"RandomAffine's erase is the side in pixels of the square cut out (0 = none), got {erase!r}."
            )
        self.erase = erase

    def __call__(self, x: Tensor, image_shape: Sequence[int]) -> Tensor:
        if len(image_shape) != 3 or (self.erase and self.erase > min(image_shape[1:])):
            raise ValueError(
                f"RandomAffine works on images (C, H, W) at least erase={self.erase} pixels wide; got image_shape "
                f"{tuple(image_shape)}: use it on image data, with erase <= the image's height and width."
            )
        return random_affine(x, image_shape, self.rotation, self.scale, self.shear, self.translation, self.erase)

    def __repr__(self) -> str:
        return (
            f"RandomAffine(rotation={self.rotation}, scale={self.scale}, shear={self.shear}, "
            f"translation={self.translation}, erase={self.erase})"
        )
