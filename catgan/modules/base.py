"""The shared adversarial LightningModule: the manual-optimization D-step / G-step loop.

Subclasses (CatGAN, GAN, ...) supply only their losses:

- ``discriminator_loss(real, fake, labeled) -> (loss, parts)``
- ``generator_loss(real, fake, labeled) -> (loss, parts)``

Per training batch ``{"unlabeled": x, "labeled": (x, y)}`` the loop makes one discriminator update
and, every ``n_critic``-th batch, ``g_steps`` generator updates, each with fresh latent samples and a
fresh discriminator forward pass (so G sees D after its update). Fakes for the D step are drawn
without a graph through G, and D's parameters are frozen during G's step, so neither player pays
for the other's weight gradients. D's loss gets the terms of ``d_regularizers`` (``catgan.regularizers``).

With ``d_batch_norm="separate"`` (default) batch-norm layers of the discriminator normalize each batch
(real unlabeled, generated, labeled) with its own statistics and their running statistics come from real
unlabeled data only: forward passes of generated or labeled batches run with frozen statistics. With
``d_batch_norm="joint"`` all batches of a step go through D in one pass (see ``discriminate``).
"""

from __future__ import annotations

import contextlib
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from catgan.distributed import broadcast_module_state
from catgan.modules.averaging import averaged_copy
from catgan.modules.checks import (
    build_network,
    check_checkpoint_class,
    check_checkpoint_file_class,
    check_data_matches,
    check_network_shapes,
    model_class_name,
    resolve_image_shape,
)
from catgan.modules.optimization import TwoPlayerAdam
from catgan.nets.layers import frozen_batch_norm_stats, frozen_parameters, has_batch_norm
from catgan.regularizers import DiscriminatorRegularizer

# A network may be given as an nn.Module instance or as a factory (a class, or jsonargparse's
# class_path/init_args in YAML) called as Generator(latent_dim, image_shape) or
# Discriminator(image_shape, num_outputs).
GeneratorFactory = Callable[[int, Sequence[int]], nn.Module]
DiscriminatorFactory = Callable[[Sequence[int], int], nn.Module]
Labeled = Optional[Tuple[Tensor, Tensor]]
LossAndParts = Tuple[Tensor, Dict[str, Tensor]]
D_BATCH_NORM_MODES = ("separate", "joint")


class AdversarialModule(TwoPlayerAdam):
    """Base class: builds G and D and runs the training loop; the optimizers' arguments (``lr_d``, ``lr_g``,
    ``betas``, ``adam_eps``, ``fused_adam``, ``lr_decay_start``) go on to :class:`TwoPlayerAdam`.

    A discriminator with an ``initialize_from_data(x)`` method (``WeightNormMLPDiscriminator``) gets it called on
    the first real unlabeled batch, before the first update (data-dependent init).

    Args:
        image_shape: shape of one example (linked from the data by the CLI); None: a generator instance's output
            shape, else (1, 8, 8).
        num_classes: number of classes K (linked from the data by the CLI).
        latent_dim: size of the generator's input noise.
        generator: a module, a factory ``Generator(latent_dim, image_shape)``, or None for the default MLP.
        discriminator: a module, a factory ``Discriminator(image_shape, num_outputs)``, or None for the default MLP.
        n_critic: discriminator updates per generator turn (one per batch).
        g_steps: generator updates per generator turn.
        latent_distribution: ``uniform`` on [-1, 1] (the paper's) or ``normal``.
        ema_decay: decay of an average of G's weights (``generator_ema``) that ``sample()`` draws from; None: none.
        d_ema_decay: decay of an average of D's weights and buffers (rate warming up as min(decay, (1+n)/(10+n)))
            that classifies (validation, test, predict); None: none.
        d_batch_norm: ``separate``: each batch through D alone, by its own statistics; ``joint``: one batch.
        d_regularizers: terms added to D's loss (``catgan.regularizers``: VAT, AugmentationConsistency, ...).
        compile: ``torch.compile`` both networks in place (checkpoints unchanged).
    """

    automatic_optimization = False
    check_finite = True  # stop with the name of the term when a loss turns NaN/inf (one sync per step)

    def __init__(
        self,
        image_shape: Optional[Sequence[int]] = None,
        num_classes: int = 10,
        latent_dim: int = 64,
        generator: Optional[GeneratorFactory] = None,
        discriminator: Optional[DiscriminatorFactory] = None,
        n_critic: int = 1,
        g_steps: int = 1,
        latent_distribution: str = "uniform",
        ema_decay: Optional[float] = None,
        d_ema_decay: Optional[float] = None,
        d_batch_norm: str = "separate",
        d_regularizers: Optional[List[DiscriminatorRegularizer]] = None,
        compile: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if d_batch_norm not in D_BATCH_NORM_MODES:
            raise ValueError(f"d_batch_norm must be one of {D_BATCH_NORM_MODES}, got {d_batch_norm!r}.")
        if latent_distribution not in ("uniform", "normal"):
            raise ValueError(f"latent_distribution must be 'uniform' or 'normal', got {latent_distribution!r}.")
        if n_critic < 1 or g_steps < 1:
            raise ValueError(f"n_critic and g_steps must be >= 1, got {n_critic} and {g_steps}.")
        for name, decay in (("ema_decay", ema_decay), ("d_ema_decay", d_ema_decay)):
            if decay is not None and not 0.0 < decay < 1.0:
                raise ValueError(f"{name} must be in (0, 1) (e.g. 0.999), or None for no average; got {decay}.")
        regularizers = list(d_regularizers or [])
        for regularizer in regularizers:
            if not isinstance(regularizer, DiscriminatorRegularizer):
                raise TypeError(
                    f"d_regularizers holds {regularizer!r}: give catgan.regularizers objects (VAT, "
                    "AugmentationConsistency, GradientPenalty), in a config as class_path/init_args."
                )
        self.latent_dim = int(latent_dim)
        self.image_shape = resolve_image_shape(image_shape, generator, discriminator, self.latent_dim)
        self.num_classes = int(num_classes)
        self.n_critic, self.g_steps = int(n_critic), int(g_steps)
        self.latent_distribution = latent_distribution
        self.generator = build_network(generator, self.default_generator, self.latent_dim, self.image_shape)
        self.discriminator = build_network(
            discriminator, self.default_discriminator, self.image_shape, self.discriminator_outputs
        )
        self._d_has_batch_norm = has_batch_norm(self.discriminator)
        self.d_regularizers = regularizers
        for regularizer in regularizers:
            regularizer.check(self)
        self.d_batch_norm = d_batch_norm
        self.ema_decay, self.d_ema_decay = ema_decay, d_ema_decay
        self.generator_ema = averaged_copy(self.generator, ema_decay, warm_up=False)
        self.discriminator_ema = averaged_copy(self.discriminator, d_ema_decay, warm_up=True)
        self.compile_networks = bool(compile)
        if compile:
            self.generator.compile()
            self.discriminator.compile()

    # -- what subclasses provide ----------------------------------------------------------------
    @property
    def discriminator_outputs(self) -> int:
        """Number of outputs of D (K for CatGAN, 1 for a binary GAN)."""
        raise NotImplementedError

    def default_generator(self, latent_dim: int, image_shape: Sequence[int]) -> nn.Module:
        from catgan.nets import MLPGenerator

        return MLPGenerator(latent_dim, image_shape)

    def default_discriminator(self, image_shape: Sequence[int], num_outputs: int) -> nn.Module:
        from catgan.nets import MLPDiscriminator

        return MLPDiscriminator(image_shape, num_outputs)

    def discriminator_loss(self, real: Tensor, fake: Tensor, labeled: Labeled) -> LossAndParts:
        raise NotImplementedError

    def generator_loss(self, real: Tensor, fake: Tensor, labeled: Labeled) -> LossAndParts:
        raise NotImplementedError

    # -- shared pieces --------------------------------------------------------------------------
    def sample_latent(self, n: int, generator: Optional[torch.Generator] = None) -> Tensor:
        """(n, latent_dim) noise on the module's device; from the CPU ``generator`` when given (the
        global RNG streams are then left untouched)."""
        shape = (n, self.latent_dim)
        device = "cpu" if generator is not None else self.device
        if self.latent_distribution == "uniform":
            z = torch.rand(shape, device=device, generator=generator) * 2.0 - 1.0  # (n, latent_dim)
        else:
            z = torch.randn(shape, device=device, generator=generator)
        return z.to(self.device)

    @property
    def sampling_generator(self) -> nn.Module:
        """The network ``sample()`` uses: the EMA generator when ``ema_decay`` is set, else G."""
        return self.generator_ema.module if self.generator_ema is not None else self.generator

    def forward(self, z: Tensor) -> Tensor:
        return self.generator(z)

    @torch.no_grad()
    def sample(self, n: int, z: Optional[Tensor] = None) -> Tensor:
        """``n`` generated examples (n, *image_shape), with G (its EMA when enabled) in eval mode."""
        generator = self.sampling_generator
        was_training = generator.training
        generator.eval()
        try:
            return generator(self.sample_latent(n) if z is None else z.to(self.device))
        finally:
            generator.train(was_training)

    def discriminate(self, real: Optional[Tensor], *others: Tensor) -> Tuple[Tensor, ...]:
        """D's outputs for ``real`` (unlabeled, may be None) and for each of ``others`` (generated or
        labeled batches). Without batch norm, or with ``d_batch_norm="joint"``, all batches go through D in
        one concatenated forward pass (batch-norm running statistics update only when ``real`` is given).
        Otherwise each batch goes alone and only ``real`` updates the running statistics."""
        batches = ([real] if real is not None else []) + list(others)
        if not self._d_has_batch_norm or self.d_batch_norm == "joint":
            stats = contextlib.nullcontext() if real is not None else frozen_batch_norm_stats(self.discriminator)
            with stats:
                outputs = self.discriminator(torch.cat(batches)) if len(batches) > 1 else self.discriminator(batches[0])
            return tuple(outputs.split([b.shape[0] for b in batches]))
        outputs = [self.discriminator(real)] if real is not None else []
        if others:
            with frozen_batch_norm_stats(self.discriminator):
                outputs += [self.discriminator(b) for b in others]
        return tuple(outputs)

    def discriminate_generated(
        self, real: Tensor, fake: Tensor, features: bool = False, with_real: bool = False
    ) -> Tuple[Optional[Tensor], Tensor]:
        """For a G step: (D's outputs for ``real`` without a graph, or None unless ``with_real``; D's outputs
        for ``fake``), or ``discriminator.features`` with ``features``. Batch-norm running statistics stay
        frozen. With ``d_batch_norm="joint"`` (and batch norm in D) both go through D in one pass, so the
        generated batch is normalized together with the real one (the D step's joint batch also holds the
        labeled batch); otherwise ``fake`` goes alone."""
        net = self.discriminator.features if features else self.discriminator
        with frozen_batch_norm_stats(self.discriminator):
            if self._d_has_batch_norm and self.d_batch_norm == "joint":
                out_real, out_fake = net(torch.cat([real, fake])).split([real.shape[0], fake.shape[0]])
                return (out_real.detach() if with_real else None), out_fake
            out_real = None
            if with_real:
                with torch.no_grad():
                    out_real = net(real)
            return out_real, net(fake)

    # -- checks, checkpoints ---------------------------------------------------------------------
    def setup(self, stage: str) -> None:
        strategy = self.trainer.strategy if self._trainer is not None else None
        if getattr(strategy, "_ddp_kwargs", {}).get("find_unused_parameters") is False:
            raise ValueError(
                "D and G take turns, so each backward pass leaves one network unused: use "
                "strategy='ddp_find_unused_parameters_true' (the catgan CLI maps 'ddp' to it)."
            )
        check_data_matches(self)
        check_network_shapes(
            self.generator, self.discriminator, self.latent_dim, self.image_shape, self.discriminator_outputs
        )
        if stage == "fit":
            datamodule = getattr(self.trainer, "datamodule", None) if self._trainer is not None else None
            for regularizer in self.d_regularizers:
                regularizer.setup(self, datamodule)

    def on_save_checkpoint(self, checkpoint: Dict[str, object]) -> None:
        checkpoint["catgan_model_class"] = model_class_name(self)
        rng = {"torch": torch.get_rng_state()}
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            rng["cuda"] = torch.cuda.get_rng_state_all()
        checkpoint["catgan_rng"] = rng

    @classmethod
    def load_from_checkpoint(cls, checkpoint_path, *args, weights_only: Optional[bool] = None, **kwargs):
        """Lightning's, once the checkpoint is known to hold this class (not another's saved arguments)."""
        check_checkpoint_file_class(cls, checkpoint_path, weights_only)
        return super().load_from_checkpoint(checkpoint_path, *args, weights_only=weights_only, **kwargs)

    def on_load_checkpoint(self, checkpoint: Dict[str, object]) -> None:
        check_checkpoint_class(self, checkpoint)
        self._rng_to_restore = checkpoint.get("catgan_rng")

    def on_train_start(self) -> None:
        # a resumed fit continues the noise streams (latents, Gaussian noise layers) where they stopped
        rng = getattr(self, "_rng_to_restore", None)
        if rng is not None:
            torch.set_rng_state(rng["torch"])
            if "cuda" in rng and torch.cuda.is_available():
                torch.cuda.set_rng_state_all(rng["cuda"])
            self._rng_to_restore = None

    def _check_finite(self, player: str, loss: Tensor, parts: Dict[str, Tensor]) -> None:
        if self.check_finite and not bool(torch.isfinite(loss)):
            bad = [name for name, value in parts.items() if not bool(torch.isfinite(value).all())]
            raise FloatingPointError(
                f"The {player} loss became {loss.item()} at step {self.global_step} (non-finite terms: "
                f"{', '.join(bad) or 'the total'}). Lower the learning rates, or check the data for NaNs."
            )

    # -- the loop -------------------------------------------------------------------------------
    def training_step(self, batch: Dict[str, object], batch_idx: int) -> None:
        real = batch["unlabeled"]
        labeled = batch.get("labeled")
        opt_d, opt_g = self.optimizers()
        batch_size = real.shape[0]

        if self.global_step == 0 and callable(getattr(self.discriminator, "initialize_from_data", None)):
            self.discriminator.initialize_from_data(real)  # before the first update; never on resume
            broadcast_module_state(self.discriminator)  # DDP: every rank starts from rank 0's init
        with torch.no_grad():
            fake = self.generator(self.sample_latent(batch_size))
        d_loss, d_parts = self.discriminator_loss(real, fake, labeled)
        for regularizer in self.d_regularizers:  # in the listed order (their random draws too)
            if regularizer.weight > 0:
                term, term_parts = regularizer.term(self, batch, fake)
                d_loss = d_loss + regularizer.weight * term
                d_parts = {**d_parts, **term_parts, "loss": d_loss.detach()}
        self._check_finite("discriminator", d_loss, d_parts)
        opt_d.zero_grad(set_to_none=True)
        self.manual_backward(d_loss)
        opt_d.step()
        if self.discriminator_ema is not None:
            self.discriminator_ema.update_parameters(self.discriminator)
        log_now = self._should_log_step()
        if log_now:
            self._log_parts("train/d", d_parts, batch_size)

        if (batch_idx + 1) % self.n_critic != 0:
            return
        for _ in range(self.g_steps):
            with frozen_parameters(self.discriminator):
                fake = self.generator(self.sample_latent(batch_size))
                g_loss, g_parts = self.generator_loss(real, fake, labeled)
                self._check_finite("generator", g_loss, g_parts)
                opt_g.zero_grad(set_to_none=True)
                self.manual_backward(g_loss)
            opt_g.step()
            if self.generator_ema is not None:
                self.generator_ema.update_parameters(self.generator)
        if log_now:
            self._log_parts("train/g", g_parts, batch_size)
            # both parts are minimized: L_D (last D step) + L_G (last G step)
            self.log(
                "train/loss_total",
                d_parts["loss"] + g_parts["loss"],
                on_step=True,
                on_epoch=False,
                batch_size=batch_size,
            )

    def _should_log_step(self) -> bool:
        """Whether this batch logs its loss terms: only on the steps the loggers write (every
        ``trainer.log_every_n_steps``), on each epoch's last batch (so ``callback_metrics`` ends with the
        final values) and under ``fast_dev_run``: each ``self.log`` costs Lightning bookkeeping."""
        trainer = self._trainer
        if trainer is None or trainer.fast_dev_run or trainer.is_last_batch:
            return True
        return bool(getattr(getattr(trainer, "_logger_connector", None), "should_update_logs", True))

    def _log_parts(self, prefix: str, parts: Dict[str, Tensor], batch_size: int) -> None:
        self.log_dict(
            {f"{prefix}/{name}": value for name, value in parts.items()},
            on_step=True,
            on_epoch=False,
            batch_size=batch_size,
        )
