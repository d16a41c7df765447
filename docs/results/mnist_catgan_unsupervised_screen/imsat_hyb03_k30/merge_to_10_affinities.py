"""Prototype 2 (tuning seeds 100/101, validation images): label-free affinities between D's K clusters, each cut into 10 groups
(knn_train10.pt from merge_to_10/merge.py); prints the Hungarian accuracy of each and, as a diagnosis, how many groups mix
clusters of different majority digits. Output: merge_to_10_val.txt."""
import sys, os, json, torch, numpy as np
from sklearn.cluster import SpectralClustering, AgglomerativeClustering, KMeans
from catgan import CatGAN
from catgan.data import MNISTDataModule
from catgan.metrics import clustering_accuracy
torch.set_num_threads(1)
data = MNISTDataModule(data_dir="data", flatten=True, num_labeled=0); data.setup("fit"); s = data.splits
pix_idx = torch.load("knn_train10.pt")
def knn(x, k=10):
    x = x.float(); n = x.shape[0]; sq = x.square().sum(1); idx = torch.empty(n, k, dtype=torch.long)
    for a in range(0, n, 2048):
        d2 = sq[a:a+2048, None] + sq[None] - 2 * x[a:a+2048] @ x.T
        r = torch.arange(d2.shape[0]); d2[r, r + a] = float("inf")
        idx[a:a+2048] = d2.topk(k, dim=1, largest=False).indices
    return idx
def edge_counts(ct, idx, K):
    C = torch.zeros(K, K, dtype=torch.float64)
    C.index_put_((ct[:, None].expand_as(idx).reshape(-1), ct[idx].reshape(-1)), torch.ones(idx.numel(), dtype=torch.float64), accumulate=True)
    return (C + C.T) / 2
def spectral(A, seed=0):
    A = A.clone(); A.fill_diagonal_(0)
    return SpectralClustering(10, affinity="precomputed", random_state=seed, assign_labels="discretize").fit_predict(A.numpy() + 1e-12)
stage = sys.argv[1]
for ck in sys.argv[2:]:
    m = CatGAN.load_from_checkpoint(ck, map_location="cpu").eval(); K = m.num_clusters; d = m.classifying_discriminator
    with torch.no_grad():
        ft = d.features(s.train_x.flatten(1)); lt = d.head(ft); pt = lt.softmax(1); ct = lt.argmax(1)
        ex, ey = (s.val_x, s.val_y) if stage == "val" else (s.test_x, s.test_y)
        ce = m.classify(ex.flatten(1)).argmax(1)
    n = torch.bincount(ct, minlength=K).double(); live = (n > 0).nonzero().flatten(); nl = n[live]
    maj = torch.stack([torch.bincount(s.train_y[ct == c], minlength=10).argmax() for c in live.tolist()])  # diagnosis only
    out = {"majority": clustering_accuracy(ce, ey, K, 10, mapping="majority").item()}
    groups = {}
    Cp = edge_counts(ct, pix_idx, K)[live][:, live]
    groups["pix_spec"] = spectral(Cp)
    fidx = knn(ft, 10)
    Cf = edge_counts(ct, fidx, K)[live][:, live]
    groups["feat_spec"] = spectral(Cf)
    groups["feat+pix_spec"] = spectral(Cf + Cp)
    S = (pt.double().T @ pt.double())[live][:, live]
    groups["soft_spec"] = spectral(S)
    for T in (2.0, 4.0):
        q = (lt / T).softmax(1).double(); groups[f"softT{T}_spec"] = spectral((q.T @ q)[live][:, live])
    cent = torch.stack([ft[ct == c].mean(0) for c in live.tolist()]).numpy()
    groups["centroid_ward"] = AgglomerativeClustering(10, linkage="ward").fit_predict(cent)
    groups["centroid_kmeans"] = KMeans(10, n_init=20, random_state=0).fit_predict(cent, sample_weight=nl.numpy())
    w = torch.nn.functional.normalize(d.head.weight.detach()[live], dim=1).numpy()
    groups["headw_ward"] = AgglomerativeClustering(10, linkage="ward").fit_predict(w)
    for name, g in groups.items():
        group = torch.full((K,), 10, dtype=torch.long); group[live] = torch.as_tensor(g, dtype=torch.long)
        out[name] = clustering_accuracy(group[ce], ey, 11, 10, mapping="hungarian").item()
        # diag: how many digits get no group of their own
        pure = sum(1 for gg in range(10) if len(set(maj[torch.as_tensor(g) == gg].tolist())) > 1)
        out[name + "_mixed"] = pure
    print(ck.split("/")[-3], K, json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}), flush=True)
