"""Scratch: the consistency term's strong views normalized together with the clean real batch (one BN pass).

D's term ``JointConsistency`` (``catgan.regularizers.AugmentationConsistency`` with one batch-norm pass over the clean
batch and its views); ``digits_joint.yaml`` names ``JointCatGAN`` (a plain CatGAN). Run from the repository root:
    PYTHONPATH=$PWD:docs/results/digits_catgan_100_screen/valsplit_130_145/consistency/probes_split134 \
    python scripts/reproduce.py --config docs/results/digits_catgan_100_screen/valsplit_130_145/consistency/probes_split134/digits_joint.yaml \
      --seeds 134 --metric val/acc -- --data.init_args.num_labeled 100 --data.init_args.val_per_split true \
      --model.init_args.d_regularizers '[{"class_path": "augjoint.JointConsistency", "init_args": {"weight": 3.0}}]'
(the record ran on its versions.catgan, where the same term was set by --model.init_args.consistency_weight 3)."""

import torch
import torch.nn.functional as F

from catgan import CatGAN
from catgan.data.augment import random_shift
from catgan.losses import consistency_loss
from catgan.nets.layers import frozen_batch_norm_stats, noise_layers_off
from catgan.regularizers import AugmentationConsistency


class JointConsistency(AugmentationConsistency):
    """AugmentationConsistency whose weak and strong passes normalize the clean batch and its views together."""

    def term(self, module, batch, fake):
        discriminator, real, shape = module.discriminator, batch["unlabeled"], tuple(module.image_shape)
        with torch.no_grad(), noise_layers_off(discriminator), frozen_batch_norm_stats(discriminator):
            weak = random_shift(real, self.weak_shift, shape) if self.weak_shift else real
            probs = F.softmax(discriminator(torch.cat([real, weak])).float()[real.shape[0] :], dim=-1)  # (B, K)
        with frozen_batch_norm_stats(discriminator):
            logits = discriminator(torch.cat([real, self.augment(real, shape)]))[real.shape[0] :]  # (B, K)
        return consistency_loss(logits, probs, self.threshold)


class JointCatGAN(CatGAN):
    """CatGAN, under the name digits_joint.yaml gives it."""
