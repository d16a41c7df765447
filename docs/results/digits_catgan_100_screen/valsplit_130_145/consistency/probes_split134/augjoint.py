"""Scratch: the consistency term's strong views normalized together with the clean real batch (one BN pass)."""
import torch
import torch.nn.functional as F
import catgan.modules.base as base
from catgan import CatGAN
from catgan.data.augment import random_shift
from catgan.losses import consistency_loss
from catgan.nets.layers import frozen_batch_norm_stats, noise_layers_off


def joint_loss(discriminator, real, image_shape, augment, threshold, weak_shift):
    with torch.no_grad(), noise_layers_off(discriminator), frozen_batch_norm_stats(discriminator):
        weak = random_shift(real, weak_shift, tuple(image_shape)) if weak_shift else real
        probs = F.softmax(discriminator(torch.cat([real, weak])).float()[real.shape[0]:], dim=-1)
    with frozen_batch_norm_stats(discriminator):
        logits = discriminator(torch.cat([real, augment(real, image_shape)]))[real.shape[0]:]
    return consistency_loss(logits, probs, threshold)


base.augmentation_consistency_loss = joint_loss


class JointCatGAN(CatGAN):
    pass
