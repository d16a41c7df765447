"""Diagnosis of the label-free merge (K = 30 -> 10 groups, spectral on the pixel 10-NN graph): per group, each
cluster with its majority digit (labels used only here, to explain), purity and size. knn_train10.pt is written
by docs/results/mnist_catgan_unsupervised_test/imsat_hyb03_k30/merge_to_10/merge.py. Output: merge_to_10_groups_seed100.txt."""
import sys, torch
from sklearn.cluster import SpectralClustering
from catgan import CatGAN
from catgan.data import MNISTDataModule
torch.set_num_threads(1)
data = MNISTDataModule(data_dir="data", flatten=True, num_labeled=0); data.setup("fit"); s = data.splits
idx = torch.load("knn_train10.pt")
for ck in sys.argv[1:]:
    m = CatGAN.load_from_checkpoint(ck, map_location="cpu").eval(); K = m.num_clusters
    with torch.no_grad(): ct = m.classify(s.train_x.flatten(1)).argmax(1)
    C = torch.zeros(K, K, dtype=torch.float64)
    C.index_put_((ct[:, None].expand_as(idx).reshape(-1), ct[idx].reshape(-1)), torch.ones(idx.numel(), dtype=torch.float64), accumulate=True)
    W = (C + C.T) / 2; A = W.clone(); A.fill_diagonal_(0)
    g = SpectralClustering(10, affinity="precomputed", random_state=0, assign_labels="discretize").fit_predict(A.numpy() + 1e-12)
    n = torch.bincount(ct, minlength=K)
    for gg in range(10):
        cs = [c for c in range(K) if g[c] == gg]
        desc = []
        for c in cs:
            h = torch.bincount(s.train_y[ct == c], minlength=10); desc.append(f"c{c}:{int(h.argmax())}({h.max().item()/max(1,n[c].item()):.2f},n={n[c].item()})")
        print(gg, f"share={n[cs].sum().item()/len(ct):.3f}", " ".join(desc))
    print("class shares", (torch.bincount(s.train_y)/len(ct)).tolist())
