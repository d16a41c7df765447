"""What D sees in the D-wins state: for each checkpoint, pixel statistics of 1,000 generated images against 1,000
training images, D's entropies with the noise off, the norm of D's last hidden features (what G matches), D's class
histogram of generated data, batch norm's scales; writes a 10x10 sample grid to /tmp.
    python docs/results/mnist_pi_catgan_screen_round7/diagnose.py RUN_DIR/.../ckpt/last.ckpt [...]"""

import torch, sys, numpy as np
import catgan
torch.set_num_threads(1)
from torchvision.datasets import MNIST
real = MNIST('data', train=True, download=False).data[:1000].float().div(255).view(-1, 784)
for path in sys.argv[1:]:
    m = catgan.CatGAN.load_from_checkpoint(path, map_location='cpu'); m.eval()
    torch.manual_seed(0)
    with torch.no_grad():
        fake = m.sample(1000).view(-1, 784)
        D = m.discriminator
        def H(l): p = l.softmax(-1); return -(p * l.log_softmax(-1)).sum(-1).mean().item()
        lr, lf = D(real), D(fake)
        fr, ff = D.features(real), D.features(fake)
        print(path.split('/')[-4], path.split('/')[-3])
        print(f"  pixels: real mean {real.mean():.3f} frac<0.05 {(real<0.05).float().mean():.3f} frac>0.95 {(real>0.95).float().mean():.3f} | fake mean {fake.mean():.3f} frac<0.05 {(fake<0.05).float().mean():.3f} frac>0.95 {(fake>0.95).float().mean():.3f}")
        print(f"  D eval (noise off, running BN): H real {H(lr):.2f}  H fake {H(lf):.2f}  |logit| real {lr.abs().mean():.2f} fake {lf.abs().mean():.2f}")
        print(f"  features: mean-dist^2 {((fr.mean(0)-ff.mean(0))**2).sum():.1f}  |f| real {fr.norm(dim=1).mean():.1f} fake {ff.norm(dim=1).mean():.1f}")
        print(f"  fake class histogram {np.bincount(lf.argmax(1).numpy(), minlength=10)}")
        # BN gammas
        g = [mod.weight.abs().mean().item() for mod in D.modules() if isinstance(mod, torch.nn.BatchNorm1d) and mod.weight is not None]
        print("  BN |gamma| per layer", [round(x,2) for x in g])
        import torchvision.utils as vu
        vu.save_image(fake[:100].view(-1,1,28,28), f"/tmp/{path.split('/')[-4]}_{path.split('/')[-3]}.png", nrow=10)
