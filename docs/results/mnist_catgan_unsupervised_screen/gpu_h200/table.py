"""Print the GPU screen's table: validation clustering error of every variant (tuning seed 100) from its curve.

    python docs/results/mnist_catgan_unsupervised_screen/gpu_h200/table.py
K = 20 or 30: many-to-one (majority) error; K = 10: Hungarian. Diagnostics are the last epoch's training means.
"""

import glob
import json
import os

here = os.path.dirname(os.path.abspath(__file__))
for d in sorted(glob.glob(os.path.join(here, "*/"))):
    name = os.path.basename(os.path.normpath(d))
    epochs = json.load(open(glob.glob(os.path.join(d, "*_curve.json"))[0]))["epochs"]
    key = "val/cluster_acc_majority" if "val/cluster_acc_majority" in epochs[-1] else "val/cluster_acc"
    errs = [100 * (1 - r[key]) for r in epochs if key in r]
    last = epochs[-1]
    print(
        f"| {name} | {len(epochs)} | {errs[-1]:.1f} | {min(errs):.1f} | {last['train/d/marginal_entropy_real']:.2f} | "
        f"{last['train/d/conditional_entropy_real']:.2f} | {last['train/d/conditional_entropy_fake']:.2f} |"
    )
