"""Label-free merge variants on tuning checkpoints, validation images: D-feature k-NN graph with k 10 or 30,
raw or size-normalized edge counts, three ways to read spectral labels; and the pick by the lowest normalized cut
(no label). Output: merge_variants_output.txt (the K = 30 vat_xi 10 run of tuning seed 100 at epochs ~17, 20, 21, 23,
25, 28 and the previous recipe's tuning seeds 100/101). python merge_variants.py CKPT [CKPT ...]"""
import sys, json, torch
from sklearn.cluster import SpectralClustering
from catgan import CatGAN
from catgan.data import MNISTDataModule
from catgan.data.neighbors import nearest_neighbors
from catgan.metrics import ClusteringAccuracy, merged_clustering_accuracy
torch.set_num_threads(1)
data = MNISTDataModule(data_dir="data", flatten=True, num_labeled=0); data.setup("fit"); s = data.splits
def counts(ct, idx, K):
    C = torch.zeros(K, K, dtype=torch.float64)
    C.index_put_((ct[:, None].expand_as(idx).reshape(-1), ct[idx].reshape(-1)), torch.ones(idx.numel(), dtype=torch.float64), accumulate=True)
    return C + C.T
def ncut(W, g):  # W (L, L) with diagonal (within-cluster edges), g (L,)
    tot = 0.0
    for k in set(g.tolist()):
        m = g == k; vol = W[m].sum(); cut = W[m][:, ~m].sum(); tot += (cut / vol).item()
    return tot
for ck in sys.argv[1:]:
    m = CatGAN.load_from_checkpoint(ck, map_location="cpu").eval(); K = m.num_clusters; d = m.classifying_discriminator
    with torch.no_grad():
        ft = torch.cat([d.features(b) for b in s.train_x.flatten(1).split(5000)]); ct = d.head(ft).argmax(1)
        ce = m.classify(s.val_x.flatten(1)).argmax(1)
    acc = ClusteringAccuracy(K, 10, mapping="majority"); acc.update(ce, s.val_y)
    out = {"majority": round(acc.compute().item(), 4)}
    _, f30 = nearest_neighbors(ft, 30)
    n = torch.bincount(ct, minlength=K).double(); live = (n > 0).nonzero().flatten(); nl = n[live]
    cands = []
    for kk in (10, 30):
        C = counts(ct, f30[:, :kk], K)[live][:, live]
        A = C.clone(); A.fill_diagonal_(0)
        for norm in ("raw", "norm"):
            B = A if norm == "raw" else A / torch.sqrt(nl[:, None] * nl[None])
            for lab in ("discretize", "kmeans", "cluster_qr"):
                g = torch.as_tensor(SpectralClustering(10, affinity="precomputed", random_state=0, assign_labels=lab).fit_predict(B.numpy() + 1e-12), dtype=torch.long)
                grp = torch.full((K,), -1, dtype=torch.long); grp[live] = g
                a = merged_clustering_accuracy(acc.confusion, grp).item()
                name = f"f{kk}_{norm}_{lab[:4]}"; out[name] = round(a, 4)
                cands.append((ncut(counts(ct, f30[:, :10], K)[live][:, live], g), a, name))
    best = min(cands); out["pick_ncut"] = (best[2], round(best[1], 4))
    print(ck.split("/")[-1], json.dumps(out), flush=True)
