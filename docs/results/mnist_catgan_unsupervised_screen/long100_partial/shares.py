"""Class shares of validation images with D's noise off and on (eval BN), from a checkpoint; and the Hungarian error."""
import sys, copy, torch, numpy as np
from scipy.optimize import linear_sum_assignment
from catgan import CatGAN
from catgan.data import MNISTDataModule
from catgan.nets.layers import GaussianNoise
m = CatGAN.load_from_checkpoint(sys.argv[1], map_location='cpu')
dm = MNISTDataModule(data_dir='data', flatten=True, num_labeled=0, seed=100); dm.setup()
x, y = dm.splits.val_x, dm.splits.val_y.numpy()
def H(p): return -(p.clamp_min(1e-12).log() * p).sum(-1)
for noise in (False, True):
    D = copy.deepcopy(m.discriminator).eval()
    for mod in D.modules():
        if isinstance(mod, GaussianNoise): mod.train(noise)
    with torch.no_grad():
        ps = torch.cat([D(x[i:i+500]).softmax(-1) for i in range(0, len(x), 500)])
    pred = ps.argmax(1).numpy(); K = ps.shape[1]
    C = np.zeros((K, 10), int)
    np.add.at(C, (pred, y), 1)
    r, c = linear_sum_assignment(-C)
    print(f"noise {'on ' if noise else 'off'}: marginal {H(ps.mean(0)):.3f} cond {H(ps).mean():.3f} shares {np.round(np.bincount(pred, minlength=K)/len(y)*100,1)} hungarian err {100-100*C[r,c].sum()/len(y):.1f}")
