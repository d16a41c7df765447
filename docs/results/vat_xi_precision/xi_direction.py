"""How well one power iteration finds VAT's direction in float32 for a finite-difference step xi: cosine between
the float32 direction and the float64 one at xi = 1e-6, for the PI-MNIST discriminator (784-1000-500-250-250-250-10,
batch norm, noise off, an untrained init, seed 0) on the first 100 MNIST training images.
    python docs/results/vat_xi_precision/xi_direction.py   (needs MNIST under data/)"""

import torch
import torch.nn.functional as F
from torchvision.datasets import MNIST

from catgan.losses import _kl_from_log_probs, _unit_per_example
from catgan.nets import MLPDiscriminator

torch.manual_seed(0)
x = (MNIST("data", train=True).data[:100].float() / 255).view(100, 784).double()
net = MLPDiscriminator(
    (784,), 10, hidden=[1000, 500, 250, 250, 250], noise_std=0.0, input_noise_std=0.0, batch_norm=True
)
net = net.train().double()
torch.manual_seed(1)
start = _unit_per_example(torch.randn_like(x))


def direction(xi, dtype):
    net.to(dtype)
    xx = x.to(dtype)
    with torch.no_grad():
        log_p = F.log_softmax(net(xx), -1)
    d = start.to(dtype).clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(_kl_from_log_probs(log_p, F.log_softmax(net(xx + xi * d), -1)), d)
    net.double()
    return _unit_per_example(grad).double()


reference = direction(1e-6, torch.float64)
for xi in (1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1.0):
    cos64 = (direction(xi, torch.float64) * reference).sum(1).mean().item()
    cos32 = (direction(xi, torch.float32) * reference).sum(1).mean().item()
    print(f"xi {xi:g}: cosine with the float64 xi=1e-6 direction: float64 {cos64:.4f}, float32 {cos32:.4f}")
