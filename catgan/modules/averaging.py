"""Exponential moving averages of a network's weights: G's for sampling (``ema_decay``) and D's, with its batch-norm
statistics, for classifying (``d_ema_decay``). The averages are module state, saved in checkpoints and resumed exactly."""

from __future__ import annotations

from typing import Callable, Optional

import torch
from torch import Tensor, nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn


def warmed_up_ema(decay: float, warm_up: bool = True) -> Callable[[list, list, Tensor], None]:
    """``AveragedModel``'s ``multi_avg_fn`` for an EMA whose rate warms up: at the n-th update (n >= 1; the
    first copies the weights) a <- d_n * a + (1 - d_n) * p with d_n = min(decay, (1 + n) / (10 + n)).
    Integer buffers (``num_batches_tracked``) are copied. ``warm_up=False``: d_n = decay from the second update on."""

    @torch.no_grad()
    def update(averaged: list, current: list, n_averaged: Tensor) -> None:
        n = int(n_averaged)
        d_n = min(decay, (1.0 + n) / (10.0 + n)) if warm_up else decay
        if torch.is_floating_point(averaged[0]):
            torch._foreach_lerp_(averaged, current, 1.0 - d_n)
        else:
            torch._foreach_copy_(averaged, current)

    return update


def averaged_copy(network: nn.Module, decay: Optional[float], warm_up: bool) -> Optional[AveragedModel]:
    """None without ``decay``. Else an average of ``network`` updated by ``update_parameters(network)``:
    w_avg <- decay * w_avg + (1 - decay) * w from the first update's weights on. ``warm_up``: the rate warms up as
    TensorFlow's ExponentialMovingAverage (``warmed_up_ema``) and buffers are averaged too (D's batch-norm
    statistics); otherwise buffers are copied (G's)."""
    if decay is None:
        return None
    average = warmed_up_ema(decay) if warm_up else get_ema_multi_avg_fn(decay)
    return AveragedModel(network, multi_avg_fn=average, use_buffers=warm_up).requires_grad_(False)
