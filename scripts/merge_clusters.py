"""One-to-one (Hungarian) clustering score of a model with more clusters than classes, after merging its clusters
into as many groups as there are classes without any label.

    python scripts/merge_clusters.py --ckpt RUN/ckpt/last.ckpt --config configs/mnist_catgan_unsupervised.yaml \\
        --split test [--neighbors 10] [--out record.json] [-- --data.init_args.data_dir data]

The model comes from the checkpoint (its classifying D in eval mode, noise off), the data from ``--config`` plus the
``catgan fit`` arguments after ``--``. D assigns every training image a cluster; the k-nearest-neighbour graph of the
training images in D's last hidden layer (``features``; ``--space pixels``: the images themselves) joins clusters,
and spectral clustering of the clusters by their edge counts cuts them into C groups (``catgan.metrics.merge_clusters``;
no label is read until the scoring). On ``--split`` it prints (and writes with ``--out``, as JSON) the many-to-one
accuracy of the K clusters, the Hungarian accuracy, NMI and ARI of the C merged groups and which clusters each group
holds.
Use the validation split to choose; the test split only to report.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import List

import torch
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from catgan.cli import load_checkpoint_model
from catgan.data.neighbors import nearest_neighbors
from catgan.metrics import ClusteringAccuracy, merge_clusters, merged_clustering_accuracy
from catgan.runs import held_out_data


def outputs_of(model, x: torch.Tensor, space: str) -> tuple:
    """D's cluster of every example of ``x`` (N,) and the points whose neighbour graph merges the clusters."""
    network = model.classifying_discriminator
    clusters, points = [], []
    with torch.no_grad():
        for batch in x.split(1000):
            clusters.append(model.classify(batch).argmax(1))
            if space == "features":
                points.append(network.features(batch).float())
    return torch.cat(clusters), (torch.cat(points) if space == "features" else x.flatten(1).float())


def run(argv: List[str]) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ckpt", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--split", choices=["val", "test"], default="val")
    parser.add_argument("--neighbors", type=int, default=10, help="k of the nearest-neighbour graph")
    parser.add_argument("--space", choices=["features", "pixels"], default="features")
    parser.add_argument("--out", help="JSON record")
    args, extra = parser.parse_known_args(argv)
    extra = [a for a in extra if a != "--"]
    if not os.path.isfile(args.config):
        parser.error(f"no config file {args.config!r}.")
    if args.neighbors < 1:
        parser.error(f"--neighbors must be >= 1, got {args.neighbors}.")
    model = load_checkpoint_model(args.ckpt).eval()
    if args.space == "features" and not callable(getattr(model.classifying_discriminator, "features", None)):
        parser.error(f"{type(model.classifying_discriminator).__name__} has no features(x): use --space pixels.")
    data, x, y = held_out_data(args.config, extra, args.split, "merge_clusters")
    splits = data.splits
    k, c = model.num_outputs, data.num_classes
    if k <= c:
        raise SystemExit(f"merge_clusters: the model has {k} clusters for {c} classes; merging needs more clusters.")
    started = time.perf_counter()
    train_clusters, points = outputs_of(model, splits.train_x, args.space)
    _, graph = nearest_neighbors(points, args.neighbors)  # (N, k)
    groups = merge_clusters(train_clusters, graph, k, c)  # (K,)
    seconds = time.perf_counter() - started
    clusters, _ = outputs_of(model, x, "pixels")
    merged = torch.where(groups[clusters] >= 0, groups[clusters], c)  # (M,) the group of each example (c: none)
    counts = ClusteringAccuracy(k, c, mapping="majority")
    counts.update(clusters, y)
    result = {
        "ckpt": args.ckpt,
        "config": args.config,
        "overrides": extra,
        "split": args.split,
        "clusters": k,
        "neighbors": args.neighbors,
        "space": args.space,
        f"{args.split}/cluster_acc_majority": counts.compute().item(),
        f"{args.split}/cluster_acc_merged": merged_clustering_accuracy(counts.confusion, groups).item(),
        f"{args.split}/nmi_merged": float(normalized_mutual_info_score(y.numpy(), merged.numpy())),
        f"{args.split}/ari_merged": float(adjusted_rand_score(y.numpy(), merged.numpy())),
        "groups": [[int(j) for j in torch.nonzero(groups == g).flatten()] for g in range(c)],
        "merge_seconds": round(seconds, 1),
    }
    print(
        f"{args.split}: {k} clusters many-to-one error {100 * (1 - result[f'{args.split}/cluster_acc_majority']):.2f} %; "
        f"merged into {c} groups without labels ({args.space} {args.neighbors}-NN graph, {seconds:.0f} s), "
        f"Hungarian error {100 * (1 - result[f'{args.split}/cluster_acc_merged']):.2f} %, "
        f"NMI {result[f'{args.split}/nmi_merged']:.3f}, ARI {result[f'{args.split}/ari_merged']:.3f}"
    )
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == "__main__":
    run(sys.argv[1:])
