"""Seventh PI-MNIST screening round (the D-wins state under VAT): per run, validation error and D's conditional
entropy on generated data per epoch, and the epochs in the D-wins state (H(y|x) generated > 2.0 nats).
    python docs/results/mnist_pi_catgan_screen_round7/table.py"""

import glob
import json
import os

here = os.path.dirname(os.path.abspath(__file__))
for path in sorted(glob.glob(os.path.join(here, "*_curve.json"))):
    name = os.path.basename(path).replace("_mnist_pi_catgan_100", "").replace("_curve.json", "")
    epochs = json.load(open(path))["epochs"]
    wins = [e["epoch"] for e in epochs if e["train/d/conditional_entropy_fake"] > 2.0]
    print(f"{name:16s} D wins at epochs {wins or '-'}")
    print("  " + " ".join(f"{e['epoch']}:{100 * (1 - e['val/acc']):.2f}%/{e['train/d/conditional_entropy_fake']:.2f}" for e in epochs))
