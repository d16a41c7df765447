"""scripts/merge_clusters.py: a clustering checkpoint's K clusters merged into C groups without labels, then scored
one-to-one; never above the many-to-one score of the same clusters, and equal to the library's own computation."""

import json

import pytest
import torch

from catgan.cli import load_checkpoint_model
from catgan.data import DigitsDataModule
from catgan.data.neighbors import nearest_neighbors
from catgan.metrics import ClusteringAccuracy, merge_clusters, merged_clustering_accuracy
from tests.conftest import fit_checkpoint, load_script

script = load_script("merge_clusters")


def test_merged_score_of_a_digits_clustering_checkpoint(run_cli, tmp_path):
    ckpt = fit_checkpoint(run_cli, "configs/digits_catgan_unsupervised.yaml", 3)
    out = tmp_path / "merge.json"
    args = ["--ckpt", ckpt, "--config", "configs/digits_catgan_unsupervised.yaml", "--neighbors", "5"]
    result = script.run(args + ["--out", str(out)])
    assert json.loads(out.read_text())["val/cluster_acc_merged"] == result["val/cluster_acc_merged"]
    # the same by hand from the library: D's clusters of the training images, the 5-NN graph of D's features
    model = load_checkpoint_model(ckpt).eval()
    data = DigitsDataModule(num_labeled=0)
    data.setup("fit")
    network = model.classifying_discriminator
    with torch.no_grad():
        train_clusters = model.classify(data.splits.train_x).argmax(1)
        _, graph = nearest_neighbors(network.features(data.splits.train_x), 5)
        val_clusters = model.classify(data.splits.val_x).argmax(1)
    groups = merge_clusters(train_clusters, graph, 20, 10)
    counts = ClusteringAccuracy(20, 10, mapping="majority")
    counts.update(val_clusters, data.splits.val_y)
    assert result["val/cluster_acc_merged"] == pytest.approx(
        merged_clustering_accuracy(counts.confusion, groups).item()
    )
    assert result["val/cluster_acc_majority"] == pytest.approx(counts.compute().item())
    # merging then matching one-to-one is one many-to-one mapping: it can tie the majority mapping, never beat it
    assert result["val/cluster_acc_merged"] <= result["val/cluster_acc_majority"] + 1e-6
    members = sorted(j for group in result["groups"] for j in group)
    assert members == sorted(set(train_clusters.tolist()))  # every cluster with members in exactly one group


def test_merge_clusters_script_refuses_a_model_without_extra_clusters(run_cli, tmp_path):
    ckpt = fit_checkpoint(run_cli, "configs/digits_catgan.yaml", 1)
    with pytest.raises(SystemExit, match="merging needs more clusters"):
        script.run(["--ckpt", ckpt, "--config", "configs/digits_catgan.yaml"])
    with pytest.raises(SystemExit):
        script.run(["--ckpt", "x.ckpt", "--config", "configs/digits_catgan.yaml", "--neighbors", "0"])
