"""CatGAN's training step in plain PyTorch, without Lightning: the reference that scripts/benchmark.py times the module
against.

``PlainLoop`` makes the updates of ``AdversarialModule.training_step`` with ``CatGAN``'s losses: one D step (the real
batch through D updating batch-norm statistics, the generated and labeled batches with frozen statistics), then one G
step with D's parameters frozen and fresh latents, on its own copies of the networks and Adam optimizers.

    loop = PlainLoop(generator, discriminator, unlabeled_batches, labeled_batches)
    loop.step()  # one D and one G update; the labeled batches cycle
    seconds = loop.block(20)  # 20 steps, the time of each
"""

from __future__ import annotations

import copy
import time
from typing import Iterable, List, Tuple

import torch

from catgan.losses import catgan_discriminator_loss, catgan_generator_loss
from catgan.nets.layers import frozen_batch_norm_stats


class PlainLoop:
    """The same D and G updates as ``AdversarialModule.training_step`` + ``CatGAN``'s losses, in plain PyTorch
    (tests/test_plain_loop.py checks that both end with the same weights from the same batch and seed).

    Args:
        generator: G (latent_dim attribute); copied, the original is left as it is.
        discriminator: D with K class logits; copied.
        unlabeled: batches of real images (B, ...), iterated again when used up.
        labeled: batches of (images (B, ...), labels (B,)), cycled like Lightning's max_size_cycle.
        compile: torch.compile both networks.
        lr: Adam learning rate of both players (betas 0.5, 0.999).
    """

    def __init__(
        self, generator, discriminator, unlabeled: Iterable, labeled: Iterable, compile: bool = False, lr: float = 2e-4
    ) -> None:
        self.g, self.d = copy.deepcopy(generator), copy.deepcopy(discriminator)
        if compile:
            self.g.compile()
            self.d.compile()
        self.latent_dim = self.g.latent_dim
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=lr, betas=(0.5, 0.999))
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=lr, betas=(0.5, 0.999))
        self.unlabeled, self.labeled = unlabeled, labeled
        self._unlabeled_iter = self._labeled_iter = None

    def _next(self) -> Tuple[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        try:
            real = next(self._unlabeled_iter)
        except (StopIteration, TypeError):
            self._unlabeled_iter = iter(self.unlabeled)
            real = next(self._unlabeled_iter)
        try:
            labeled = next(self._labeled_iter)
        except (StopIteration, TypeError):  # cycled, like Lightning's max_size_cycle
            self._labeled_iter = iter(self.labeled)
            labeled = next(self._labeled_iter)
        return real, labeled

    def latent(self, n: int) -> torch.Tensor:
        return torch.rand(n, self.latent_dim) * 2.0 - 1.0

    def step(self) -> None:
        self.step_on(*self._next())

    def step_on(self, real: torch.Tensor, labeled: Tuple[torch.Tensor, torch.Tensor]) -> None:
        x_labeled, y_labeled = labeled
        with torch.no_grad():
            fake = self.g(self.latent(real.shape[0]))
        logits_real = self.d(real)  # D has batch norm: only the real batch updates its statistics
        with frozen_batch_norm_stats(self.d):
            logits_fake, logits_labeled = self.d(fake), self.d(x_labeled)
        d_loss, _ = catgan_discriminator_loss(logits_real, logits_fake, logits_labeled, y_labeled, 1.0)
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()
        d_params = list(self.d.parameters())
        for p in d_params:
            p.requires_grad_(False)
        fake = self.g(self.latent(real.shape[0]))
        with frozen_batch_norm_stats(self.d):
            g_loss, _ = catgan_generator_loss(self.d(fake))
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        for p in d_params:
            p.requires_grad_(True)
        self.opt_g.step()

    def block(self, n: int) -> List[float]:
        times, start = [], time.perf_counter()
        for _ in range(n):
            self.step()
            now = time.perf_counter()
            times.append(now - start)
            start = now
        return times
