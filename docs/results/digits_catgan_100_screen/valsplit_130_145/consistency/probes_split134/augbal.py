"""Scratch: consistency targets from a class-balanced assignment of the whole unlabeled pool (Sinkhorn), per epoch.

D's term ``BalancedConsistency`` (``catgan.regularizers.AugmentationConsistency`` with these targets);
``digits_bal.yaml`` names ``BalCatGAN``, which computes the assignment at each epoch start. BAL_MODE=all drops the
threshold. Run from the repository root:
    PYTHONPATH=$PWD:docs/results/digits_catgan_100_screen/valsplit_130_145/consistency/probes_split134 \
    python scripts/reproduce.py --config docs/results/digits_catgan_100_screen/valsplit_130_145/consistency/probes_split134/digits_bal.yaml \
      --seeds 134 --metric val/acc -- --data.init_args.num_labeled 100 --data.init_args.val_per_split true \
      --model.init_args.d_regularizers '[{"class_path": "augbal.BalancedConsistency", "init_args": {"weight": 3.0}}]'
(the record ran on its versions.catgan, where the term was set by --model.init_args.consistency_weight 3)."""

import os

import torch
import torch.nn.functional as F

from catgan import CatGAN
from catgan.losses import consistency_loss
from catgan.nets.layers import frozen_batch_norm_stats
from catgan.regularizers import AugmentationConsistency

MODE = os.environ.get("BAL_MODE", "q95")  # q95: mask Q max >= thr ; all: no mask


def sinkhorn(logp, iters=100):
    # logp (N, K): Q = diag(u) P diag(v), rows sum 1, columns sum N/K; returns row-normalized Q
    n, k = logp.shape
    log_q = logp.clone()
    for _ in range(iters):
        log_q = log_q - torch.logsumexp(log_q, 0, keepdim=True) + torch.log(torch.tensor(n / k))
        log_q = log_q - torch.logsumexp(log_q, 1, keepdim=True)
    return log_q.exp()


class BalancedConsistency(AugmentationConsistency):
    """AugmentationConsistency with the targets of BalCatGAN's balanced assignment (rows ``unlabeled_index``)."""

    def setup(self, module, datamodule) -> None:
        datamodule.unlabeled_index = True  # training batches now carry "unlabeled_index"

    def term(self, module, batch, fake):
        discriminator, real = module.discriminator, batch["unlabeled"]
        q = module.balanced_targets[batch["unlabeled_index"]].to(real.device)  # (B, K)
        with frozen_batch_norm_stats(discriminator):
            logits = discriminator(self.augment(real, tuple(module.image_shape)))  # (B, K)
        return consistency_loss(logits, q, self.threshold if MODE == "q95" else 0.0)


class BalCatGAN(CatGAN):
    """CatGAN that assigns all unlabeled training images to classes with uniform class marginals at each epoch start."""

    def setup(self, stage):
        super().setup(stage)
        if stage == "fit":
            self._pool = self.trainer.datamodule._require_setup().train_x

    def on_train_epoch_start(self):
        d = self.discriminator
        was = d.training
        d.eval()
        with torch.no_grad():
            logp = F.log_softmax(d(self._pool.to(self.device)).float(), 1)
        d.train(was)
        self.balanced_targets = sinkhorn(logp)
        moved = (self.balanced_targets.argmax(1) != logp.argmax(1)).float().mean()
        self.log("train/balance_moved", moved, on_epoch=True, on_step=False)
