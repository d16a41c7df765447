"""Random translations of training batches (``labeled_shift`` / ``unlabeled_shift`` of the data modules).

``random_shift`` moves each image of a batch by its own whole-pixel offset (dy, dx), each drawn uniformly
from {-s, ..., s}, and fills the uncovered border with zeros (the background of digits and MNIST in [0, 1]; for
data scaled to [-1, 1] zero is mid-grey).
The offsets come from the generator the loader passes in, seeded by the loader's position (seed, epoch, pass,
batch, rank), so a resumed run draws exactly the shifts an uninterrupted one would.
"""

from __future__ import annotations

from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def check_shift(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0 (the largest shift in pixels; 0 = off), got {value!r}.")
    return value


def random_shift(x: Tensor, max_shift: int, image_shape: Tuple[int, int, int], generator: torch.Generator) -> Tensor:
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
