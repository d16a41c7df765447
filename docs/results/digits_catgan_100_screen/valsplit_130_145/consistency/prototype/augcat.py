"""Scratch prototype: CatGAN + augmentation consistency on D (FixMatch / UDA style) for digits."""
import math
import torch
import torch.nn.functional as F
from catgan import CatGAN
from catgan.data.augment import random_shift
from catgan.nets.layers import frozen_batch_norm_stats, noise_layers_off


def random_affine(x, image_shape, rot=20.0, scale=0.15, shear=0.3, shift=1.5, erase=0):
    b = x.shape[0]
    c, h, w = image_shape
    img = x.reshape(b, c, h, w)
    a = (torch.rand(b) * 2 - 1) * rot * math.pi / 180
    s = 1 + (torch.rand(b) * 2 - 1) * scale
    sh = (torch.rand(b) * 2 - 1) * shear
    tx = (torch.rand(b) * 2 - 1) * shift * 2 / w
    ty = (torch.rand(b) * 2 - 1) * shift * 2 / h
    cos, sin = torch.cos(a), torch.sin(a)
    # inverse map output->input: rotation*shear / scale
    m = torch.zeros(b, 2, 3)
    m[:, 0, 0] = cos / s
    m[:, 0, 1] = (-sin + sh * cos) / s
    m[:, 1, 0] = sin / s
    m[:, 1, 1] = (cos + sh * sin) / s
    m[:, 0, 2] = tx
    m[:, 1, 2] = ty
    grid = F.affine_grid(m.to(x), (b, c, h, w), align_corners=False)
    out = F.grid_sample(img, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if erase > 0:
        ys = torch.randint(0, h - erase + 1, (b,))
        xs = torch.randint(0, w - erase + 1, (b,))
        mask = torch.ones(b, 1, h, w)
        for i in range(b):
            mask[i, :, ys[i]:ys[i] + erase, xs[i]:xs[i] + erase] = 0
        out = out * mask.to(x)
    return out.reshape(x.shape)


class AugCatGAN(CatGAN):
    def __init__(self, *args, aug_weight: float = 1.0, aug_threshold: float = 0.95, aug_mode: str = "fixmatch",
                 aug_rot: float = 20.0, aug_scale: float = 0.15, aug_shear: float = 0.3, aug_shift: float = 1.5,
                 aug_erase: int = 0, aug_weak_shift: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        self.aug = dict(weight=aug_weight, threshold=aug_threshold, mode=aug_mode, rot=aug_rot, scale=aug_scale,
                        shear=aug_shear, shift=aug_shift, erase=aug_erase, weak=aug_weak_shift)
        self.save_hyperparameters()

    def discriminator_loss(self, real, fake, labeled):
        loss, parts = super().discriminator_loss(real, fake, labeled)
        a = self.aug
        if a["weight"] <= 0:
            return loss, parts
        d = self.discriminator
        shape = self.image_shape
        with torch.no_grad(), noise_layers_off(d), frozen_batch_norm_stats(d):
            weak = random_shift(real, a["weak"], shape, None) if a["weak"] else real
            p = F.softmax(d(weak), dim=1)  # (B, K)
        strong = random_affine(real, shape, a["rot"], a["scale"], a["shear"], a["shift"], a["erase"])
        with frozen_batch_norm_stats(d):
            logits = d(strong)
        if a["mode"] == "fixmatch":
            conf, target = p.max(1)
            mask = (conf >= a["threshold"]).float()
            term = (F.cross_entropy(logits, target, reduction="none") * mask).mean()
            parts["aug_mask"] = mask.mean()
        else:  # uda: soft KL
            term = F.kl_div(F.log_softmax(logits, 1), p, reduction="batchmean")
        loss = loss + a["weight"] * term
        parts["aug"] = term.detach()
        parts["loss"] = loss.detach()
        return loss, parts
