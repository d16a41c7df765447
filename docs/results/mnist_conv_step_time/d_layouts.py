"""The paper's conv D (MNIST) forward + backward on 300 images, one thread: NCHW/NHWC x fp32/bf16 x eager/compiled.

OMP_NUM_THREADS=1 python docs/results/mnist_conv_step_time/d_layouts.py > docs/results/mnist_conv_step_time/d_layouts.txt
"""

import itertools
import time

import torch

from catgan.nets import ConvDiscriminator


def ms_per_pass(channels_last: bool, bf16: bool, compiled: bool, n: int = 300, reps: int = 8) -> float:
    torch.manual_seed(0)
    d = ConvDiscriminator((1, 28, 28), 10, noise_std=0.15, channels_last=channels_last)
    x = torch.rand(n, 1, 28, 28)  # (B, 1, 28, 28)
    forward = torch.compile(d) if compiled else d

    def step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = forward(x)  # (B, 10)
        logits.float().logsumexp(1).mean().backward()

    for _ in range(3):  # warm-up (and compilation)
        step()
    start = time.process_time()
    for _ in range(reps):
        step()
    return 1000 * (time.process_time() - start) / reps


if __name__ == "__main__":
    torch.set_num_threads(1)
    print(time.strftime("%Y-%m-%d %H:%M:%S"), "CPU ms per forward + backward of 300 images, one thread")
    for layout, bf16, compiled in itertools.product((False, True), repeat=3):
        ms = ms_per_pass(layout, bf16, compiled)
        print(f"channels_last={layout} bf16={bf16} compile={compiled}: {ms:.1f}", flush=True)
