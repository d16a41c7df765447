"""The README's results table and docs/results/README.md are what the records give (a stale number fails here),
and each row's mean ± std is recomputed from the records, by hand on a small folder."""

import json
import os

import pytest

from catgan.results_table import claim_errors, index_markdown, readme_table, split_text, write_readme_table
from tests.conftest import REPO, load_script


def test_readme_table_and_records_index_are_regenerated_from_the_records(capsys):
    assert load_script("results_table").main(["--check", "--root", REPO]) == 0, capsys.readouterr().err


def write(folder, name, record):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "w") as f:
        json.dump(record, f)


def test_rows_are_the_mean_and_sample_std_of_the_newest_record_per_split(tmp_path):
    folder = tmp_path / "docs" / "results" / "toy"
    for seed, acc in ((0, 0.98), (1, 0.96), (2, 0.94)):  # errors 2, 4, 6 %: mean 4, sample std 2
        write(
            folder,
            f"a_seed{seed}.json",
            {"config": "c.yaml", "metric": "test/acc", "seed": seed, "date": "2", "metrics": {"test/acc": acc}},
        )
    write(folder, "old_seed2.json", {"config": "c.yaml", "seed": 2, "date": "1", "metrics": {"test/acc": 0.5}})
    write(
        folder,
        "r_seed0.json",
        {"config": "c.yaml", "metric": "test/acc", "seed": 0, "restart": 1, "date": "3", "metrics": {"test/acc": 0}},
    )
    write(
        folder,
        "e_seed0.json",
        {"config": "c.yaml", "seed": 0, "ensemble": 3, "date": "3", "metrics": {"test/acc": 0.99}},
    )
    write(folder, "merge_test_seed0.json", {"config": "c.yaml", "split": "test", "test/cluster_acc_merged": 0.9})
    claim = {"task": "T", "method": "M", "config": "c.yaml", "folder": "toy", "metric": "test/acc", "splits": "0-2"}
    claim["published"] = "–"
    assert claim_errors(claim, str(tmp_path)) == pytest.approx({0: 2.0, 1: 4.0, 2: 6.0})
    row = readme_table([claim], str(tmp_path)).splitlines()[2]
    assert row == "| T | M | `c.yaml` | 4.00 ± 2.00 % (0–2) | – | [toy](docs/results/toy/) |"
    assert claim_errors(dict(claim, ensemble=True, splits="0"), str(tmp_path)) == pytest.approx({0: 1.0})
    merged = dict(claim, metric="test/cluster_acc_merged", splits="0", files="merge_*.json")
    assert claim_errors(merged, str(tmp_path)) == pytest.approx({0: 10.0})
    with pytest.raises(ValueError, match=r"no record with test/acc for splits \[3\]"):
        claim_errors(dict(claim, splits="0-3"), str(tmp_path))
    index = index_markdown(str(tmp_path))
    assert (
        "| `c.yaml` | – | fit | test/acc | 0–2 | 4.00 ± 2.00 % |" in index and "| restart 1 | test/acc | 0 |" in index
    )


def test_a_row_can_keep_per_split_the_restart_with_the_highest_mutual_information(tmp_path):
    folder = tmp_path / "docs" / "results" / "clusters"
    for seed, restart, marginal, acc in ((0, 0, 2.0, 0.9), (0, 1, 2.2, 0.8), (1, 0, 2.3, 0.7), (1, 1, 2.1, 0.95)):
        metrics = {"val/marginal_entropy_real": marginal, "val/conditional_entropy_real": 0.1, "test/c": acc}
        record = {"config": "c.yaml", "seed": seed, "restart": restart, "metric": "test/c", "metrics": metrics}
        write(folder, f"c_seed{seed}_restart{restart}.json", record)
    claim = {"task": "T", "method": "M", "config": "c.yaml", "folder": "clusters", "metric": "test/c", "splits": "0-1"}
    assert claim_errors(claim, str(tmp_path)) == pytest.approx({0: 10.0, 1: 30.0})  # restart 0 of each split
    selected = claim_errors(dict(claim, select="mutual_information"), str(tmp_path))
    assert selected == pytest.approx({0: 20.0, 1: 30.0})  # split 0: restart 1 (MI 2.1), split 1: restart 0 (MI 2.2)


def test_a_row_with_overrides_counts_only_the_records_that_ran_them(tmp_path):
    folder = tmp_path / "docs" / "results" / "ladder"
    for seed, acc, overrides in (
        (0, 0.97, ["--torch_threads", "1", "--model.init_args.feature_matching_weight", "0"]),
        (1, 0.95, ["--model.init_args.feature_matching_weight=0"]),
        (1, 0.99, ["--model.init_args.feature_matching_weight", "1"]),  # newer, but another rung
        (2, 0.99, []),
    ):
        record = {"config": "c.yaml", "seed": seed, "date": str(acc), "metrics": {"test/acc": acc}}
        write(folder, f"r_seed{seed}_{acc}.json", dict(record, overrides=overrides))
    claim = {"task": "T", "method": "M", "config": "configs/c.yaml", "folder": "ladder", "metric": "test/acc"}
    claim.update(splits="0-1", published="–", overrides="--model.init_args.feature_matching_weight 0")
    assert claim_errors(claim, str(tmp_path)) == pytest.approx({0: 3.0, 1: 5.0})
    row = readme_table([claim], str(tmp_path)).splitlines()[2]
    assert row.startswith("| T | M | `c.yaml` with `feature_matching_weight: 0` | 4.00 ± 1.41 % (0–1) |")
    with pytest.raises(ValueError, match=r"splits \[2\] in .* that ran --model.init_args.feature_matching_weight 0"):
        claim_errors(dict(claim, splits="0-2"), str(tmp_path))


def test_the_table_goes_between_the_markers_and_a_readme_without_them_is_refused():
    readme = "intro\n<!-- results-table:start -->\nold\n<!-- results-table:end -->\nrest\n"
    assert (
        write_readme_table(readme, "new")
        == "intro\n<!-- results-table:start -->\nnew\n<!-- results-table:end -->\nrest\n"
    )
    with pytest.raises(ValueError, match="results-table:start"):
        write_readme_table("no markers", "new")
    assert split_text([0, 1, 2, 5, 7, 8]) == "0–2, 5, 7–8"
