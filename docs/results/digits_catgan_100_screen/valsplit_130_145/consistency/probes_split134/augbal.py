"""Scratch: consistency targets from a class-balanced assignment of the whole unlabeled pool (Sinkhorn), per epoch."""
import os
import torch
import torch.nn.functional as F
import catgan.modules.base as base
from catgan import CatGAN
from catgan.losses import consistency_loss
from catgan.nets.layers import frozen_batch_norm_stats

STATE = {}
MODE = os.environ.get("BAL_MODE", "q95")  # q95: mask Q max >= thr ; all: no mask


def sinkhorn(logp, iters=100):
    # logp (N, K): Q = diag(u) P diag(v), rows sum 1, columns sum N/K; returns row-normalized Q
    n, k = logp.shape
    log_q = logp.clone()
    for _ in range(iters):
        log_q = log_q - torch.logsumexp(log_q, 0, keepdim=True) + torch.log(torch.tensor(n / k))
        log_q = log_q - torch.logsumexp(log_q, 1, keepdim=True)
    return log_q.exp()


def balanced_loss(discriminator, real, image_shape, augment, threshold, weak_shift):
    q = STATE["q"][STATE["index"]].to(real.device)  # (B, K)
    with frozen_batch_norm_stats(discriminator):
        logits = discriminator(augment(real, image_shape))
    thr = threshold if MODE == "q95" else 0.0
    return consistency_loss(logits, q, thr)


base.augmentation_consistency_loss = balanced_loss


class BalCatGAN(CatGAN):
    def setup(self, stage):
        super().setup(stage)
        if stage == "fit":
            dm = self.trainer.datamodule
            dm.unlabeled_index = True
            self._pool = dm._require_setup().train_x

    def on_train_epoch_start(self):
        d = self.discriminator
        was = d.training
        d.eval()
        with torch.no_grad():
            logp = F.log_softmax(d(self._pool.to(self.device)).float(), 1)
        d.train(was)
        STATE["q"] = sinkhorn(logp)
        moved = (STATE["q"].argmax(1) != logp.argmax(1)).float().mean()
        self.log("train/balance_moved", moved, on_epoch=True, on_step=False)

    def training_step(self, batch, batch_idx):
        STATE["index"] = batch["unlabeled_index"]
        return super().training_step(batch, batch_idx)
