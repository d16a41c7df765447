"""Train the classifier whose feature space scores sample quality (Fréchet distance and KID) with no
download: an MLP trained with every training label of the data set the GAN is trained on.

    python scripts/train_feature_classifier.py --data digits --out runs/features_digits.pt
    python scripts/train_feature_classifier.py --data mnist --data-dir data --out runs/features_mnist.pt

Then score a run with the callback (FD/KID logged as ``quality/fd``, ``quality/kid`` at validation):

    catgan fit --config configs/digits_catgan.yaml --trainer.callbacks+=catgan.callbacks.SampleQualityCallback \
        --trainer.callbacks.init_args.classifier_path runs/features_digits.pt

or from Python: ``catgan.metrics.sample_quality(ClassifierFeatures(classifier, in_shape), real, fake)``
with ``classifier, record = catgan.feature_classifier.load_feature_classifier(path)``. The file records the data
set and the classifier's test accuracy; FD/KID values are comparable only between runs scored with
the same classifier file.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F

from catgan.feature_classifier import build_feature_classifier, save_feature_classifier

DEFAULT_EPOCHS = {"digits": 60, "mnist": 10}


def data_module(name: str, data_dir: str):
    from catgan.data import DigitsDataModule, MNISTDataModule

    if name == "digits":
        return DigitsDataModule(num_labeled=0)
    if name == "mnist":
        return MNISTDataModule(data_dir=data_dir, num_labeled=0, flatten=True)
    raise ValueError(f"Unknown --data {name!r}: choose digits or mnist.")


@torch.no_grad()
def accuracy(classifier: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    classifier.eval()
    preds = torch.cat([classifier(x[i : i + 1000]).argmax(dim=1) for i in range(0, x.shape[0], 1000)])
    return float((preds == y).float().mean())


def train(
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    in_shape: Sequence[int],
    num_classes: int,
    hidden: Sequence[int],
    epochs: int,
    batch_size: int = 128,
    lr: float = 1e-3,
    seed: int = 0,
) -> torch.nn.Module:
    """Cross-entropy with Adam and a cosine learning-rate decay, on every training label."""
    torch.manual_seed(seed)
    classifier = build_feature_classifier(in_shape, num_classes, hidden)
    optimizer = torch.optim.Adam(classifier.parameters(), lr=lr, weight_decay=1e-5)
    steps = epochs * max(1, train_x.shape[0] // batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    generator = torch.Generator().manual_seed(seed)
    classifier.train()
    for _ in range(epochs):
        order = torch.randperm(train_x.shape[0], generator=generator)
        for i in range(0, train_x.shape[0] - batch_size + 1, batch_size):
            index = order[i : i + batch_size]
            loss = F.cross_entropy(classifier(train_x[index]), train_y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
    return classifier.eval()


def main(argv: Optional[List[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", choices=("digits", "mnist"), default="digits")
    parser.add_argument("--data-dir", default="data", help="folder holding MNIST/raw (for --data mnist)")
    parser.add_argument("--out", default=None, help="output file (default runs/features_<data>.pt)")
    parser.add_argument("--epochs", type=int, default=None, help="default: 60 for digits, 10 for mnist")
    parser.add_argument(
        "--hidden", type=int, nargs="+", default=[512, 256], help="hidden widths; the last is the feature dimension"
    )
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = args.out or os.path.join("runs", f"features_{args.data}.pt")
    epochs = args.epochs if args.epochs is not None else DEFAULT_EPOCHS[args.data]
    if epochs < 1:
        raise ValueError(f"--epochs must be >= 1, got {epochs}.")

    dm = data_module(args.data, args.data_dir)
    dm.setup()
    splits = dm.splits
    train_x, train_y = splits.train_x[splits.train_y >= 0], splits.train_y[splits.train_y >= 0]
    started = time.perf_counter()
    classifier = train(
        train_x, train_y, dm.image_shape, dm.num_classes, args.hidden, epochs, args.batch_size, args.lr, args.seed
    )
    info = {
        "data": args.data,
        "epochs": epochs,
        "seed": args.seed,
        "train_seconds": time.perf_counter() - started,
        "val_accuracy": accuracy(classifier, splits.val_x, splits.val_y),
        "test_accuracy": accuracy(classifier, splits.test_x, splits.test_y),
    }
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    save_feature_classifier(classifier, out, dm.image_shape, dm.num_classes, args.hidden, **info)
    print(
        f"feature classifier for {args.data}: test accuracy {info['test_accuracy']:.4f}, "
        f"{info['train_seconds']:.1f} s, features {args.hidden[-1]}-d -> {out}"
    )
    return info


if __name__ == "__main__":
    main()
