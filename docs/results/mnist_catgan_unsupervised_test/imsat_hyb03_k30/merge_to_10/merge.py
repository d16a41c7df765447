"""Merge a K-cluster unsupervised MNIST checkpoint's clusters into 10 groups without labels, then score the 10
groups one-to-one (Hungarian), next to the many-to-one score of the K clusters.

The merge: D assigns each of the 50,000 training images a cluster; every edge of the 10-nearest-neighbour graph of
the training images (pixel space, exact, cached in --knn) joins two clusters; spectral clustering
(scikit-learn, affinity = the symmetrized edge counts between clusters, diagonal zeroed) cuts the K clusters into
10 groups. No label is used; empty clusters form an 11th group that counts as errors. Other affinities tried on the
tuning seeds (D's last-hidden-layer kNN graph, D's soft co-assignments, agglomerative on cluster centroids) gave the
same or worse groups (``mnist_catgan_unsupervised_screen/imsat_hyb03_k30/merge_to_10_val.txt``, by ``merge_to_10_affinities.py`` there).

    python merge.py val  CKPT [CKPT ...]   # tuning seeds: validation images
    python merge.py test CKPT [CKPT ...]   # test seeds: test images
"""

import argparse
import os

import torch
from sklearn.cluster import SpectralClustering

from catgan import CatGAN
from catgan.data import MNISTDataModule
from catgan.metrics import clustering_accuracy

parser = argparse.ArgumentParser()
parser.add_argument("stage", choices=["val", "test"])
parser.add_argument("checkpoints", nargs="+")
parser.add_argument("--data_dir", default="data")
parser.add_argument("--knn", default="knn_train10.pt", help="cache of the (50000, 10) neighbour indices")
args = parser.parse_args()
torch.set_num_threads(1)

data = MNISTDataModule(data_dir=args.data_dir, flatten=True, num_labeled=0)
data.setup("fit")
s = data.splits
if os.path.exists(args.knn):
    neighbors = torch.load(args.knn)
else:
    x = s.train_x.flatten(1).float()  # (N, 784)
    sq = x.square().sum(1)
    neighbors = torch.empty(x.shape[0], 10, dtype=torch.long)  # (N, 10)
    for a in range(0, x.shape[0], 1024):
        d2 = sq[a : a + 1024, None] + sq[None] - 2 * x[a : a + 1024] @ x.T  # (C, N)
        rows = torch.arange(d2.shape[0])
        d2[rows, rows + a] = float("inf")
        neighbors[a : a + 1024] = d2.topk(10, dim=1, largest=False).indices
    torch.save(neighbors, args.knn)
images, labels = (s.val_x, s.val_y) if args.stage == "val" else (s.test_x, s.test_y)
print(f"10-NN graph: {(s.train_y[neighbors] == s.train_y[:, None]).float().mean():.4f} of edges join one digit")
for path in args.checkpoints:
    model = CatGAN.load_from_checkpoint(path, map_location="cpu").eval()
    k = model.num_clusters
    with torch.no_grad():
        train_clusters = model.classify(s.train_x.flatten(1)).argmax(1)  # (N,)
        clusters = model.classify(images.flatten(1)).argmax(1)  # (M,)
    edges = torch.zeros(k, k, dtype=torch.float64)  # (K, K) kNN edges from cluster a to cluster b
    ones = torch.ones(neighbors.numel(), dtype=torch.float64)
    edges.index_put_((train_clusters[:, None].expand_as(neighbors).reshape(-1), train_clusters[neighbors].reshape(-1)),
                     ones, accumulate=True)
    live = (torch.bincount(train_clusters, minlength=k) > 0).nonzero().flatten()
    affinity = ((edges + edges.T) / 2)[live][:, live]
    affinity.fill_diagonal_(0)
    cut = SpectralClustering(10, affinity="precomputed", random_state=0, assign_labels="discretize")
    group = torch.full((k,), 10, dtype=torch.long)
    group[live] = torch.as_tensor(cut.fit_predict(affinity.numpy() + 1e-12), dtype=torch.long)
    many_to_one = clustering_accuracy(clusters, labels, k, 10, mapping="majority").item()
    merged = clustering_accuracy(group[clusters], labels, 11, 10, mapping="hungarian").item()
    print(f"{path}: K={k}, many-to-one error {100 * (1 - many_to_one):.2f} %, "
          f"merged to 10 groups without labels, Hungarian error {100 * (1 - merged):.2f} %")
