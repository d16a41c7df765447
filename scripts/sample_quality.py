"""Sample quality of several configs, scored on one feature-classifier file: FD and KID of each trained
generator against the test split, a sample grid per config, and real data as the floor.

    python scripts/train_feature_classifier.py --data digits --out runs/features_digits.pt
    python scripts/sample_quality.py --classifier runs/features_digits.pt --out docs/results/sample_quality \
        --configs configs/digits_catgan.yaml configs/digits_gan_hinge.yaml [--seed 0] [--workers 2]

Each config is fitted once through the in-process ``catgan`` CLI (its own schedule, label split ``--seed``),
then its generator (the EMA one when kept) draws ``--samples`` images from fixed latents; FD and KID come from
``catgan.metrics.sample_quality`` in the classifier's feature space against the whole test split. The floor
row scores as many real images (the training split) the same way. Per config it writes
``<out>/<config>_seed<seed>.json`` (a ``catgan.runs`` record with FD and KID; for classifier modules the test error, ``error``,
and ``test_cluster_error``) and ``<out>/<config>_seed<seed>.png`` (one row per class D assigns for CatGAN/ImprovedGAN, as
``catgan.callbacks.SampleGridCallback`` draws it), and prints a Markdown table. Values are comparable only
between runs scored with the same classifier file.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

import torch

from catgan.runs import fit_split, relative, write_record


def score(classifier_path: str, real: torch.Tensor, fake: torch.Tensor, seed: int = 0) -> dict:
    """FD, KID and KID's std of ``fake`` against ``real`` in the feature space of the saved classifier."""
    from catgan.feature_classifier import ClassifierFeatures, load_feature_classifier
    from catgan.metrics import sample_quality

    classifier, record = load_feature_classifier(classifier_path)
    extractor = ClassifierFeatures(classifier, record["in_shape"])
    flat = lambda x: x.reshape(x.shape[0], -1)  # noqa: E731
    subset = min(1000, real.shape[0], fake.shape[0])
    values = sample_quality(extractor, flat(real), flat(fake), kid_subset_size=subset, seed=seed)
    return {name: float(value) for name, value in values.items()}


def fit_and_score(config: str, classifier_path: str, seed: int, samples: int, out: str, extra: List[str]) -> dict:
    from PIL import Image

    from catgan.callbacks import SampleGridCallback, fixed_latent

    torch.set_num_threads(1)
    stem = f"{os.path.splitext(os.path.basename(config))[0]}_seed{seed}"
    record, cli = fit_split(config, seed, extra, metric="test/acc")
    model, splits = cli.model.eval(), cli.datamodule.splits
    with torch.no_grad():
        z = fixed_latent(model, samples, seed)
        fake = torch.cat([model.sample(chunk.shape[0], z=chunk) for chunk in z.split(500)])
    record.update(
        classifier=relative(classifier_path), samples=samples, **score(classifier_path, splits.test_x, fake, seed)
    )
    # the floor: as many real training images, scored the same way (what a perfect generator would get)
    order = torch.randperm(splits.train_x.shape[0], generator=torch.Generator().manual_seed(seed))
    record["real_floor"] = score(classifier_path, splits.test_x, splits.train_x[order[:samples]], seed)
    if "test/cluster_acc" in record["metrics"]:  # classifier modules: the error under the best cluster matching too
        record["test_cluster_error"] = 1.0 - record["metrics"]["test/cluster_acc"]
    grid = SampleGridCallback(num_samples=100, seed=seed).make_grid(model)
    os.makedirs(out, exist_ok=True)
    if grid is not None:
        Image.fromarray(grid).save(os.path.join(out, f"{stem}.png"))
    write_record(record, out, f"{stem}.json")
    return record


def table(records: List[dict], floor: Optional[dict]) -> List[str]:
    def percent(r: dict, key: str) -> str:
        return f"{100 * r[key]:.2f}" if r.get(key) is not None else "–"

    lines = ["| config | FD | KID | test error % | clustering error % | fit s |", "|---|---|---|---|---|---|"]
    for r in records:
        name, kid = os.path.basename(r["config"]), f"{r['kid']:.3f} ± {r['kid_std']:.3f}"
        lines.append(
            f"| `{name}` | {r['fd']:.2f} | {kid} | {percent(r, 'error')} | {percent(r, 'test_cluster_error')} "
            f"| {r['fit_seconds']:.0f} |"
        )
    if floor is not None:
        lines.append(
            f"| real training images | {floor['fd']:.2f} | {floor['kid']:.3f} ± {floor['kid_std']:.3f} | – | – | – |"
        )
    return lines


def main(argv: Optional[List[str]] = None) -> List[dict]:
    argv = sys.argv[1:] if argv is None else list(argv)
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", nargs="+", required=True)
    parser.add_argument("--classifier", required=True, help="a file from scripts/train_feature_classifier.py")
    parser.add_argument("--seed", type=int, default=0, help="label split and latent seed")
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--out", default="results/sample_quality")
    parser.add_argument("--workers", type=int, default=1, help="configs fitted at a time, one process each")
    args = parser.parse_args(argv)
    missing = [c for c in args.configs + [args.classifier] if not os.path.exists(c)]
    if missing:
        parser.error(f"not found: {', '.join(missing)}")
    jobs = [(c, args.classifier, args.seed, args.samples, args.out, extra) for c in args.configs]
    if args.workers > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        os.environ.setdefault("OMP_NUM_THREADS", "1")
        with ProcessPoolExecutor(max_workers=args.workers, mp_context=mp.get_context("spawn")) as pool:
            records = list(pool.map(fit_and_score, *zip(*jobs)))
    else:
        records = [fit_and_score(*job) for job in jobs]
    print("\n".join(table(records, records[0]["real_floor"])))
    return records


if __name__ == "__main__":
    argv, sys.argv = sys.argv[1:], sys.argv[:1]  # the CLI reads its arguments from `args`, not from sys.argv
    main(argv)
