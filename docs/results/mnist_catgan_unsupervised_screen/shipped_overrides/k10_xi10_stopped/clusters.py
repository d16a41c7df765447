"""Cluster x digit counts of D on the 10,000 validation images (per cluster: its majority digit, purity, counts per
digit 0-9), for a checkpoint of a tuning-seed run.  python clusters.py CKPT  (output: clusters_epoch20.txt)"""
import sys, torch
from catgan import CatGAN
from catgan.data import MNISTDataModule
torch.set_num_threads(1)
data = MNISTDataModule(data_dir="data", flatten=True, num_labeled=0); data.setup("fit"); s = data.splits
for ck in sys.argv[1:]:
    m = CatGAN.load_from_checkpoint(ck, map_location="cpu").eval(); K = m.num_clusters
    with torch.no_grad(): c = m.classify(s.val_x.flatten(1)).argmax(1)
    M = torch.zeros(K, 10, dtype=torch.long); M.index_put_((c, s.val_y), torch.ones_like(c), accumulate=True)
    for k in range(K):
        if M[k].sum() > 0: print(k, int(M[k].argmax()), f"{M[k].max().item()/M[k].sum().item():.2f}", M[k].tolist())
