"""Sample grid of an unsupervised MNIST checkpoint, one row per cluster D assigns, rows ordered by each cluster's
majority digit on the 10,000 validation images (the digit is printed per row; empty clusters last).

    python grid.py CHECKPOINT OUT.png [--per-row 12] [--pool 5000]
"""

import argparse

import torch
from PIL import Image

from catgan import CatGAN
from catgan.callbacks import fixed_latent, image_grid_uint8
from catgan.data import MNISTDataModule

parser = argparse.ArgumentParser()
parser.add_argument("checkpoint")
parser.add_argument("out")
parser.add_argument("--per-row", type=int, default=12)
parser.add_argument("--pool", type=int, default=5000)
args = parser.parse_args()

model = CatGAN.load_from_checkpoint(args.checkpoint, map_location="cpu").eval()
data = MNISTDataModule(data_dir="data", flatten=True, num_labeled=0)
data.setup("fit")
with torch.no_grad():
    x, y = data.splits.val_x.flatten(1), data.splits.val_y  # (N, 784), (N,)
    clusters = model.classify(x).argmax(1)  # (N,)
    k = model.num_clusters
    majority = [int(torch.bincount(y[clusters == c], minlength=10).argmax()) if (clusters == c).any() else 99 for c in range(k)]
    pool = model.sample(args.pool, z=fixed_latent(model, args.pool, 0))  # (P, 784)
    pool_clusters = model.classify(pool).argmax(1)
order = sorted(range(k), key=lambda c: (majority[c], c))
cells = torch.full((k, args.per_row, 1, 28, 28), 0.5)
for row, c in enumerate(order):
    members = pool[pool_clusters == c][: args.per_row].reshape(-1, 1, 28, 28)
    cells[row, : members.shape[0]] = members
Image.fromarray(image_grid_uint8(cells.flatten(0, 1), nrow=args.per_row)).save(args.out)
print("rows (cluster: majority digit of its validation images, share of them):")
print(", ".join(f"{c}:{majority[c] if majority[c] < 99 else '-'} ({(clusters == c).float().mean():.3f})" for c in order))
share = torch.bincount(pool_clusters, minlength=k).float() / len(pool_clusters)  # (K,) G's samples per cluster
top = share.sort(descending=True).values
print(f"G's {args.pool} samples by D's cluster (eval mode): largest {top[0]:.3f}, three largest {top[:3].sum():.3f}, "
      f"clusters with >= 1 %: {int((share >= 0.01).sum())}")
