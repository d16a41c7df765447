"""Which classes a trained classifier confuses on a label split, and what those images and the split's labels look like.

    python scripts/confusions.py --ckpt runs/x/ckpt/last.ckpt --config configs/mnist_pi_improved_gan_100.yaml \\
        --split val -- --data.init_args.seed 101 --data.init_args.val_size 10000
    python scripts/confusions.py ... --show 7 8 --out confusions_7_8.png

The model comes from the checkpoint (its classifying D: the averaged one when the run kept an average, noise
off); the data from ``--config`` plus the ``catgan fit`` arguments after ``--`` (give the run's label split seed
and validation size, so that the labeled examples shown are the ones the run trained on). Prints the error, the
largest off-diagonal counts of the confusion matrix (true class -> predicted class) and the labeled examples per
class. ``--show T P --out F.png`` draws up to 40 images of class T predicted as P, then every labeled example of
T and of P (images of ``image_shape`` of the data module; one channel or three). Use the validation split to
explain a choice; the test split only to report.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Tuple

import torch

from catgan.cli import load_checkpoint_model
from catgan.runs import held_out_data


def confusion_matrix(pred: torch.Tensor, y: torch.Tensor, num_classes: int) -> torch.Tensor:
    """(K, K) counts, rows the true class, columns the predicted one."""
    cm = torch.zeros(num_classes, num_classes, dtype=torch.long)
    cm.index_put_((y.long(), pred.long()), torch.ones_like(y, dtype=torch.long), accumulate=True)
    return cm


def largest_confusions(cm: torch.Tensor, top: int) -> List[Tuple[int, int, int]]:
    """The ``top`` largest off-diagonal entries as (count, true, predicted), largest first, zeros left out."""
    k = cm.shape[0]
    off = [(int(cm[i, j]), i, j) for i in range(k) for j in range(k) if i != j and cm[i, j] > 0]
    return sorted(off, key=lambda t: (-t[0], t[1], t[2]))[:top]


def draw(images: List[torch.Tensor], shape: Tuple[int, ...], title: str, out: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = max(1, -(-len(images) // 10))
    fig, axes = plt.subplots(rows, 10, figsize=(10, rows + 0.6), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image in zip(axes.flat, images):
        image = image.reshape(shape).float()
        if image.dim() == 3 and image.shape[0] == 3:
            ax.imshow(image.permute(1, 2, 0).clamp(0, 1))
        else:
            ax.imshow(image.reshape(image.shape[-2], image.shape[-1]), cmap="gray")
    fig.suptitle(title, fontsize=9)
    fig.savefig(out, dpi=60)
    plt.close(fig)


def run(argv: List[str]) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ckpt", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--split", choices=["val", "test"], default="val")
    parser.add_argument("--top", type=int, default=8, help="how many confusions to list")
    parser.add_argument("--show", type=int, nargs=2, metavar=("TRUE", "PREDICTED"))
    parser.add_argument("--out", help="PNG for --show")
    args, extra = parser.parse_known_args(argv)
    extra = [a for a in extra if a != "--"]
    if bool(args.show) != bool(args.out):
        parser.error("--show TRUE PREDICTED and --out FILE.png go together.")
    if not os.path.isfile(args.config):
        parser.error(f"no config file {args.config!r}.")
    model = load_checkpoint_model(args.ckpt)
    data, x, y = held_out_data(args.config, extra, args.split, "confusions")
    splits = data.splits
    k = data.num_classes
    if args.show and not all(0 <= c < k for c in args.show):
        parser.error(f"--show takes two classes in 0..{k - 1}, got {args.show}.")
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model.classify(batch).argmax(1) for batch in x.split(1000)])
    cm = confusion_matrix(pred, y, k)
    labeled_y = splits.train_y[data.labeled_indices]
    result = {
        "error": float((pred != y).float().mean()),
        "confusions": largest_confusions(cm, args.top),
        "labeled_per_class": torch.bincount(labeled_y, minlength=k).tolist(),
        "labeled_indices": data.labeled_indices.tolist(),
    }
    print(f"{args.split} error {100 * result['error']:.2f} % ({int((pred != y).sum())} of {len(y)})")
    print("largest confusions (count: true -> predicted):")
    for count, t, p in result["confusions"]:
        print(f"  {count:5d}: {t} -> {p}")
    print(f"labeled examples per class: {result['labeled_per_class']}")
    if args.show:
        t, p = args.show
        wrong = ((y == t) & (pred == p)).nonzero().flatten()[:40]
        lab_t = data.labeled_indices[labeled_y == t]
        lab_p = data.labeled_indices[labeled_y == p]
        images = [x[i] for i in wrong]
        images += [torch.zeros_like(x[0])] * (-len(images) % 10)  # start the labeled rows on a new row
        images += [splits.train_x[i] for i in lab_t] + [torch.zeros_like(x[0])] * (-len(lab_t) % 10)
        images += [splits.train_x[i] for i in lab_p]
        shape = tuple(getattr(data, "file_image_shape", data.image_shape))
        title = f"{len(wrong)} {args.split} images of class {t} predicted {p} (first rows); the labeled {t}s; the labeled {p}s"
        draw(images, shape, title, args.out)
        result["shown"] = len(wrong)
        print(f"wrote {args.out}")
    return result


if __name__ == "__main__":
    run(sys.argv[1:])
