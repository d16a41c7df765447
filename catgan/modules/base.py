"""The shared adversarial LightningModule: the manual-optimization D-step / G-step loop.

Subclasses (CatGAN, GAN, ...) supply only their losses:

- ``discriminator_loss(real, fake, labeled) -> (loss, parts)``
- ``generator_loss(real, fake, labeled) -> (loss, parts)``

Per training batch ``{"unlabeled": x, "labeled": (x, y)}`` the loop makes one discriminator update
and, every ``n_critic``-th batch, ``g_steps`` generator updates, each with fresh latent samples and a
fresh discriminator forward pass (so G sees D after its update). Fakes for the D step are drawn
without a graph through G, and D's parameters are frozen during G's step, so neither player pays
for the other's weight gradients.

With ``d_batch_norm="separate"`` (default) batch-norm layers of the discriminator normalize each batch
(real unlabeled, generated, labeled) with its own statistics and their running statistics come from real
unlabeled data only: forward passes of generated or labeled batches run with frozen statistics. With
``d_batch_norm="joint"`` all batches of a step go through D in one pass (see ``discriminate``).
"""

from __future__ import annotations

import contextlib
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import lightning.pytorch as pl
import torch
from torch import Tensor, nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from catgan.data.augment import RandomAffine
from catgan.distributed import broadcast_module_state
from catgan.losses import virtual_adversarial_loss
from catgan.modules.checks import (  # noqa: F401  (re-exported: catgan.modules.base is where users found them)
    build_network,
    check_checkpoint_class,
    check_data_matches,
    check_network_shapes,
    model_class_name,
    resolve_image_shape,
)
from catgan.modules.consistency import check_consistency_options, consistency_term_of
from catgan.modules.vat import radii_of_batch, vat_radius_per_example
from catgan.nets.layers import frozen_batch_norm_stats, frozen_parameters, has_batch_norm, noise_layers_off

# A network may be given as an nn.Module instance or as a factory (a class, or jsonargparse's
# class_path/init_args in YAML) called as Generator(latent_dim, image_shape) or
# Discriminator(image_shape, num_outputs).
GeneratorFactory = Callable[[int, Sequence[int]], nn.Module]
DiscriminatorFactory = Callable[[Sequence[int], int], nn.Module]
Labeled = Optional[Tuple[Tensor, Tensor]]
LossAndParts = Tuple[Tensor, Dict[str, Tensor]]
D_BATCH_NORM_MODES = ("separate", "joint")


def warmed_up_ema(decay: float) -> Callable[[list, list, Tensor], None]:
    """``AveragedModel``'s ``multi_avg_fn`` for an EMA whose rate warms up: at the n-th update (n >= 1; the
    first copies the weights) a <- d_n * a + (1 - d_n) * p with d_n = min(decay, (1 + n) / (10 + n)).
    Integer buffers (``num_batches_tracked``) are copied."""

    @torch.no_grad()
    def update(averaged: list, current: list, n_averaged: Tensor) -> None:
        n = int(n_averaged)
        d_n = min(decay, (1.0 + n) / (10.0 + n))
        if torch.is_floating_point(averaged[0]):
            torch._foreach_lerp_(averaged, current, 1.0 - d_n)
        else:
            torch._foreach_copy_(averaged, current)

    return update


class AdversarialModule(pl.LightningModule):
    """Base class: builds G and D, owns the two Adam optimizers and the training loop.

    Args:
        image_shape: shape of one example (linked from the data module by the CLI); None takes it from a
            generator given as an instance (its output shape), else (1, 8, 8).
        num_classes: number of classes K (linked from the data module by the CLI).
        latent_dim: size of the generator's input noise.
        generator / discriminator: a module, a factory, or None for the subclass default.
        lr_d / lr_g: Adam learning rates; betas: Adam betas for both; adam_eps: Adam's epsilon for both
            (torch adds it to sqrt(v); the official Improved-GAN/Theano Adam adds 1e-8 under the root, a floor
            of about 1e-4 on the denominator, which damps parameters with tiny gradients: ``adam_eps=1e-4``). A resumed
            run keeps the optimizer state of its checkpoint, epsilon included. ``fused_adam``: torch's fused Adam
            kernel (``torch.optim.Adam(fused=True)``, CPU and GPU): the same update in one pass over the
            parameters, equal to the default (foreach) kernel up to float rounding; on one CPU thread it cut a
            PI-MNIST step by ~2-3 ms per optimizer (README, "Speed"). Off by default, so runs recorded without
            it repeat bit for bit.
        vat_weight / vat_eps / vat_xi: virtual adversarial training of D (Miyato et al. 2018): adds
            ``vat_weight * mean_i KL(p(y|x_i) || p(y|x_i + r_i))`` on the real unlabeled batch to D's loss, r_i of
            L2 norm ``vat_eps`` (in the data's units) found by one power iteration with step ``vat_xi``
            (``catgan.losses.virtual_adversarial_loss``). Its passes run with D's Gaussian noise and dropout off
            (the smoothness of the function that classifies at evaluation) and batch norm by the real batch's own
            statistics, running statistics untouched. Logged as ``train/d/vat``. 0 (default): no term.
            ``vat_neighbors`` k > 0: each example's own radius, ``vat_eps`` times its distance to its k-th nearest
            neighbour among the unlabeled training images (IMSAT, Hu et al. 2017: k 10, ``vat_eps`` 0.25), computed
            once per fit in ``setup`` (``catgan.data.neighbors``; needs a catgan data module, which then tells each
            batch's image rows); 0 (default): the radius is ``vat_eps`` for every example.
        consistency_weight / consistency_threshold / consistency_augment / consistency_weak_shift: augmentation
            consistency of D (catgan/modules/consistency.py): adds ``consistency_weight`` times the cross-entropy
            between D's class for an image shifted by up to ``consistency_weak_shift`` pixels (used where its
            probability is >= ``consistency_threshold``; FixMatch, Sohn et al. 2020) and D's output for the image
            through ``consistency_augment(x, image_shape)`` (default ``catgan.data.augment.RandomAffine()``: up to 20
            degrees of rotation, 15 % of scaling, shear 0.3, 1.5 pixels of translation; from Python any callable
            ``augment(x, image_shape)``, in a config a ``RandomAffine``), on the real unlabeled batch;
            ``consistency_threshold`` None: the KL divergence from the soft prediction (UDA). Logged as
            ``train/d/consistency`` (and ``consistency_mask``, the fraction above the threshold). 0 (default): no term.
        n_critic: discriminator updates per generator turn (one per batch).
        g_steps: generator updates per generator turn.
        latent_distribution: ``uniform`` on [-1, 1] (the paper's) or ``normal``.
        lr_decay_start: fraction of ``max_epochs`` after which both learning rates decay linearly to
            zero at the last epoch; None keeps them constant.
        ema_decay: keep an exponential moving average of G's weights (``generator_ema``, updated after
            every G step: w_ema <- decay * w_ema + (1 - decay) * w, starting from G's weights after
            its first step; buffers copied) and draw ``sample()`` from it; None (default) keeps none.
            The average is module state, so it is saved in checkpoints and resumed exactly.
        compile: ``torch.compile`` both networks in place (``nn.Module.compile``: parameter names
            and checkpoints unchanged); the first steps pay the compilation.
        d_ema_decay: keep an exponential moving average of D's parameters *and* buffers (batch-norm
            running statistics) in ``discriminator_ema``, updated after every D step, and classify with it
            (validation, test, predict, diagnostics, ``classify``); None (default) keeps none. The rate
            warms up as in TensorFlow's ExponentialMovingAverage, min(decay, (1 + n) / (10 + n)) at the
            n-th update, so early weights (and BN statistics of the initialization) are forgotten fast.
            Polyak averaging of D as in Salimans et al.'s code is ``d_ema_decay=0.9999``.
        d_batch_norm: how a discriminator with batch norm sees a step's batches. ``"separate"`` (default):
            the real unlabeled, generated and labeled batches each go through D alone, so each is
            normalized by its own batch statistics (which hides differences of the batch means between
            real and generated data from D); running statistics come from the real batch. ``"joint"``: they
            go through D as one concatenated batch, normalized by shared statistics, in the D step and in
            the G step (where the generated batch is concatenated with the real one, whose outputs are
            discarded); running statistics come from the D step's joint batches, as D was trained. No
            effect on a discriminator without batch norm (its batches are always concatenated).

    A discriminator with an ``initialize_from_data(x)`` method (``MLPDiscriminator(weight_norm=True)``)
    gets it called on the first real unlabeled batch, before the first update (data-dependent init).
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
        lr_d: float = 2e-4,
        lr_g: float = 2e-4,
        betas: Tuple[float, float] = (0.5, 0.999),
        n_critic: int = 1,
        g_steps: int = 1,
        latent_distribution: str = "uniform",
        lr_decay_start: Optional[float] = None,
        ema_decay: Optional[float] = None,
        compile: bool = False,
        d_ema_decay: Optional[float] = None,
        d_batch_norm: str = "separate",
        adam_eps: float = 1e-8,
        fused_adam: bool = False,
        vat_weight: float = 0.0,
        vat_eps: float = 2.0,
        vat_xi: float = 1e-3,
        vat_neighbors: int = 0,
        consistency_weight: float = 0.0,
        consistency_threshold: Optional[float] = 0.95,
        consistency_augment: Optional[RandomAffine] = None,
        consistency_weak_shift: int = 1,
    ) -> None:
        super().__init__()
        self.fused_adam = bool(fused_adam)
        if vat_weight < 0 or not vat_eps > 0 or not vat_xi > 0:
            raise ValueError(
                f"vat_weight must be >= 0 (0: no VAT term) and vat_eps, vat_xi > 0 (e.g. 1.0, 2.0, 1e-3); got "
                f"vat_weight={vat_weight}, vat_eps={vat_eps}, vat_xi={vat_xi}."
            )
        self.vat_weight, self.vat_eps, self.vat_xi = float(vat_weight), float(vat_eps), float(vat_xi)
        if not isinstance(vat_neighbors, int) or vat_neighbors < 0 or (vat_neighbors and not vat_weight > 0):
            raise ValueError(
                f"vat_neighbors must be an integer >= 0 (0: one radius vat_eps for all; IMSAT uses 10) and needs "
                f"vat_weight > 0; got vat_neighbors={vat_neighbors!r}, vat_weight={vat_weight}."
            )
        self.vat_neighbors = vat_neighbors
        self.vat_radius: Optional[Tensor] = None  # (N,) per training image, set in setup when vat_neighbors > 0
        if not adam_eps > 0:
            raise ValueError(f"adam_eps must be > 0 (Adam's epsilon, default 1e-8), got {adam_eps}.")
        self.adam_eps = float(adam_eps)
        if d_batch_norm not in D_BATCH_NORM_MODES:
            raise ValueError(f"d_batch_norm must be one of {D_BATCH_NORM_MODES}, got {d_batch_norm!r}.")
        if latent_distribution not in ("uniform", "normal"):
            raise ValueError(f"latent_distribution must be 'uniform' or 'normal', got {latent_distribution!r}.")
        if n_critic < 1 or g_steps < 1:
            raise ValueError(f"n_critic and g_steps must be >= 1, got {n_critic} and {g_steps}.")
        if lr_decay_start is not None and not 0.0 <= lr_decay_start < 1.0:
            raise ValueError(f"lr_decay_start is a fraction of max_epochs in [0, 1), got {lr_decay_start}.")
        for name, decay in (("ema_decay", ema_decay), ("d_ema_decay", d_ema_decay)):
            if decay is not None and not 0.0 < decay < 1.0:
                raise ValueError(f"{name} must be in (0, 1) (e.g. 0.999), or None for no average; got {decay}.")
        self.latent_dim = int(latent_dim)
        self.image_shape = resolve_image_shape(image_shape, generator, discriminator, self.latent_dim)
        self.num_classes = int(num_classes)
        self.lr_d, self.lr_g, self.betas = lr_d, lr_g, tuple(betas)
        self.n_critic, self.g_steps = int(n_critic), int(g_steps)
        self.latent_distribution = latent_distribution
        self.lr_decay_start = lr_decay_start
        self.generator = build_network(generator, self.default_generator, self.latent_dim, self.image_shape)
        self.discriminator = build_network(
            discriminator, self.default_discriminator, self.image_shape, self.discriminator_outputs
        )
        self._d_has_batch_norm = has_batch_norm(self.discriminator)
        if self.vat_weight > 0 and self.discriminator_outputs < 2:
            raise ValueError(
                f"vat_weight={vat_weight} needs a classifier D (K >= 2 class logits, as CatGAN's and ImprovedGAN's): "
                f"a D with {self.discriminator_outputs} output has no class distribution to smooth; use vat_weight 0."
            )
        self.consistency_augment = check_consistency_options(
            consistency_weight,
            consistency_threshold,
            consistency_weak_shift,
            consistency_augment,
            self.discriminator_outputs,
            self.image_shape,
        )
        self.consistency_weight, self.consistency_threshold = float(consistency_weight), consistency_threshold
        self.consistency_weak_shift = consistency_weak_shift
        self.d_batch_norm = d_batch_norm
        self.ema_decay = ema_decay
        self.generator_ema: Optional[AveragedModel] = None
        if ema_decay is not None:
            self.generator_ema = AveragedModel(
                self.generator, multi_avg_fn=get_ema_multi_avg_fn(ema_decay), use_buffers=False
            ).requires_grad_(False)
        self.d_ema_decay = d_ema_decay
        self.discriminator_ema: Optional[AveragedModel] = None
        if d_ema_decay is not None:
            self.discriminator_ema = AveragedModel(
                self.discriminator, multi_avg_fn=warmed_up_ema(d_ema_decay), use_buffers=True
            ).requires_grad_(False)
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
        if stage == "fit" and self.vat_neighbors > 0 and self.vat_radius is None:
            self.vat_radius = vat_radius_per_example(self, self.vat_neighbors, self.vat_eps)

    def on_save_checkpoint(self, checkpoint: Dict[str, object]) -> None:
        checkpoint["catgan_model_class"] = model_class_name(self)
        rng = {"torch": torch.get_rng_state()}
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            rng["cuda"] = torch.cuda.get_rng_state_all()
        checkpoint["catgan_rng"] = rng

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
        if self.vat_weight > 0:
            d_loss, d_parts = self._with_virtual_adversarial_term(d_loss, d_parts, real, batch.get("unlabeled_index"))
        if self.consistency_weight > 0:
            term, term_parts = consistency_term_of(self, real)
            d_loss = d_loss + self.consistency_weight * term
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

    def _with_virtual_adversarial_term(
        self, loss: Tensor, parts: Dict[str, Tensor], real: Tensor, index: Optional[Tensor] = None
    ) -> LossAndParts:
        """``loss + vat_weight * VAT(real)`` (see ``vat_weight``), with ``vat`` in the logged parts. ``index`` (B,):
        the rows of ``real`` in the training images, for the per-example radii of ``vat_neighbors``."""
        eps: Union[float, Tensor] = self.vat_eps
        if self.vat_neighbors > 0:
            eps = radii_of_batch(self.vat_radius, index, real.device)  # (B,)
        with noise_layers_off(self.discriminator), frozen_batch_norm_stats(self.discriminator):
            vat, vat_parts = virtual_adversarial_loss(self.discriminator, real, eps, self.vat_xi)
        loss = loss + self.vat_weight * vat
        return loss, {**parts, **vat_parts, "loss": loss.detach()}

    def _should_log_step(self) -> bool:
        """Whether this batch logs its loss terms: only on the steps the loggers write (every
        ``trainer.log_every_n_steps``), on each epoch's last batch (so ``callback_metrics`` ends with the
        final values) and under ``fast_dev_run``. Each ``self.log`` costs Lightning ~0.3 ms of bookkeeping:
        logging the ~9 terms every batch made a PI-MNIST step on CPU ~4% slower than a plain loop."""
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

    def on_train_epoch_end(self) -> None:
        schedulers = self.lr_schedulers()
        if schedulers is None:
            return
        for scheduler in schedulers if isinstance(schedulers, list) else [schedulers]:
            scheduler.step()

    def configure_optimizers(self):
        fused = True if self.fused_adam else None  # None: torch's default kernel (foreach)
        opt_d = torch.optim.Adam(
            self.discriminator.parameters(), lr=self.lr_d, betas=self.betas, eps=self.adam_eps, fused=fused
        )
        opt_g = torch.optim.Adam(
            self.generator.parameters(), lr=self.lr_g, betas=self.betas, eps=self.adam_eps, fused=fused
        )
        if self.lr_decay_start is None:
            return [opt_d, opt_g]
        max_epochs = self.trainer.max_epochs if self.trainer.max_epochs and self.trainer.max_epochs > 0 else None
        if max_epochs is None:
            raise ValueError("lr_decay_start needs trainer.max_epochs to be set.")
        start = self.lr_decay_start * max_epochs

        def factor(epoch: int) -> float:  # linear decay from `start` to 0 at max_epochs
            return 1.0 if epoch < start else max(0.0, (max_epochs - epoch) / max(max_epochs - start, 1e-8))

        schedulers = [torch.optim.lr_scheduler.LambdaLR(opt, factor) for opt in (opt_d, opt_g)]
        return [opt_d, opt_g], schedulers
