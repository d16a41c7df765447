"""Scratch: test-time augmentation on a checkpoint: D's mean probabilities over identity + n random affine views."""
import sys, torch
from catgan.runs import held_out_data
from catgan.data.augment import random_affine
import catgan
ckpt, seed = sys.argv[1], int(sys.argv[2])
ck = torch.load(ckpt, weights_only=False)
from catgan import CatGAN
m = CatGAN.load_from_checkpoint(ckpt, map_location='cpu'); m.eval()
d = m.discriminator_ema.module if m.discriminator_ema is not None else m.discriminator
from catgan.data import DigitsDataModule
dm = DigitsDataModule(num_labeled=100, seed=seed, val_per_split=True); s = dm.load_splits()
for name, x, y in [('val', s.val_x, s.val_y), ('test', s.test_x, s.test_y)]:
    with torch.no_grad():
        p0 = d(x).softmax(1)
        row = [f"{name} plain {100*(p0.argmax(1)!=y).float().mean():.1f}"]
        for mag in (0.5, 1.0):
            torch.manual_seed(0)
            ps = [p0] + [d(random_affine(x, (1,8,8), 20*mag, 0.15*mag, 0.3*mag, 1.5*mag)).softmax(1) for _ in range(16)]
            p = torch.stack(ps).mean(0)
            row.append(f"tta{mag} {100*(p.argmax(1)!=y).float().mean():.1f}")
    print(' '.join(row))
