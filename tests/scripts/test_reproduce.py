"""scripts/reproduce.py: a config over label-split seeds through the in-process CLI, one JSON record per
run, the mean ± std table, and ``--summarize`` of seeds that ran as separate processes."""

import json
import os
import statistics

import pytest

from catgan.restarts import mutual_information
from catgan.runs import load_records, run_config
from catgan.summaries import summary_lines
from tests.conftest import CONFIGS, load_script

CONFIG = os.path.join(CONFIGS, "digits_catgan.yaml")
QUICK = ["--", "--trainer.max_epochs", "1", "--trainer.limit_train_batches", "2", "--torch_threads", "1"]


@pytest.fixture(scope="module")
def reproduce():
    return load_script("reproduce")


def test_seeds_run_apart_are_summarized_like_one_run_over_all_seeds(reproduce, tmp_path, capsys):
    out = str(tmp_path / "results")
    together = reproduce.main(["--config", CONFIG, "--seeds", "3", "4", "--out", out, "--curve"] + QUICK)
    printed = capsys.readouterr().out
    assert [r["seed"] for r in together] == [3, 4]
    assert all(r["optimizer_steps"] == 4 and r["epochs"] == 1 for r in together)  # overrides reached the CLI
    records = [
        json.loads(p.read_text()) for p in (tmp_path / "results").glob("*.json") if not p.name.endswith("_curve.json")
    ]
    assert sorted(r["seed"] for r in records) == [3, 4]
    assert all(len(r["curve"]) == 1 and "test/acc" in r["curve"][0] for r in records)
    errors = [100 * (1 - r["metrics"]["test/acc"]) for r in together]
    mean, std = statistics.mean(errors), statistics.stdev(errors)
    assert f"error: {mean:.2f} ± {std:.2f} % over 2 seeds" in printed

    # seed 4 again as its own process would: --summarize keeps the newest record per seed
    rerun = run_config(CONFIG, 4, QUICK[1:] + ["--trainer.limit_train_batches", "3"], "test/acc", out)
    rerun["date"] = "9999"  # newer than anything written above
    with open(os.path.join(out, "zz_rerun.json"), "w") as f:
        json.dump(rerun, f)
    capsys.readouterr()
    summarized = reproduce.main(["--config", CONFIG, "--out", out, "--summarize"])
    assert [r["seed"] for r in summarized] == [3, 4] and summarized[1]["optimizer_steps"] == 6
    assert "over 2 seeds" in capsys.readouterr().out


def test_summarize_rejects_an_empty_folder_and_an_unrecorded_metric(reproduce, tmp_path, capsys):
    with pytest.raises(SystemExit):
        reproduce.main(["--config", CONFIG, "--out", str(tmp_path), "--summarize"])
    assert "run this script without --summarize" in capsys.readouterr().err
    record = {
        "config": CONFIG,
        "seed": 0,
        "metrics": {"test/acc": 0.9},
        "epochs": 1,
        "fit_seconds": 1.0,
        "total_seconds": 2.0,
        "overrides": [],
    }
    with pytest.raises(ValueError, match="test/acc"):
        summary_lines([record], "test/cluster_acc")


def test_seed_ranges_and_bad_seeds(reproduce):
    assert reproduce.seed_list("0-3") == [0, 1, 2, 3] and reproduce.seed_list("7") == [7]
    for bad in ("a-3", "5-2", "x"):
        with pytest.raises(Exception, match="range|seed"):
            reproduce.seed_list(bad)


@pytest.mark.slow
def test_workers_run_seeds_in_parallel_processes_with_the_same_results(reproduce, tmp_path):
    """--seeds 5-6 --workers 2 through the script's command line: two spawned processes, each seed's record
    equal to the one a serial run writes (deterministic CPU training)."""
    import subprocess
    import sys

    out = str(tmp_path / "parallel")
    script = os.path.join(os.path.dirname(CONFIGS), "scripts", "reproduce.py")
    cmd = [sys.executable, script, "--config", CONFIG, "--seeds", "5-6", "--workers", "2", "--out", out] + QUICK
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "over 2 seeds" in done.stdout
    parallel = {r["seed"]: r for r in load_records(out)}
    assert sorted(parallel) == [5, 6]
    serial = run_config(CONFIG, 6, QUICK[1:], "test/acc", str(tmp_path / "serial"))
    assert parallel[6]["optimizer_steps"] == serial["optimizer_steps"] == 4
    assert parallel[6]["metrics"]["test/acc"] == serial["metrics"]["test/acc"]


def test_run_dir_keeps_checkpoints_and_the_same_command_resumes_with_the_curve(reproduce, tmp_path):
    def run(out, run_dir=None, stop=()):
        quick = ["--", "--trainer.max_epochs", "2", "--trainer.limit_train_batches", "2", "--torch_threads", "1"]
        quick += ["--trainer.check_val_every_n_epoch", "1"]
        kept = ["--run-dir", str(run_dir)] if run_dir else []
        args = ["--config", CONFIG, "--seeds", "3", "--out", str(out), "--curve"] + kept + quick + list(stop)
        return reproduce.main(args)[0]

    # a 2-epoch run stopped after its first epoch (4 optimizer steps) ...
    first = run(tmp_path / "a", tmp_path / "runs", stop=["--trainer.max_steps", "4"])
    assert os.path.isfile(tmp_path / "runs" / "digits_catgan_seed3" / "ckpt" / "last.ckpt")
    assert "resumed_from" not in first
    resumed = run(tmp_path / "a", tmp_path / "runs")  # ... started again with the same folder
    assert resumed["resumed_from"].endswith("last.ckpt") and resumed["optimizer_steps"] == 8
    assert [row["epoch"] for row in resumed["curve"]] == [1, 2]  # the first epoch's row came from the checkpoint
    assert resumed["curve"][1]["seconds"] > resumed["curve"][0]["seconds"] == first["curve"][0]["seconds"]
    assert resumed["train_seconds"] == resumed["curve"][1]["seconds"]
    assert resumed["curve"][1]["cpu_seconds"] > resumed["curve"][0]["cpu_seconds"] == first["curve"][0]["cpu_seconds"]
    assert resumed["train_cpu_seconds"] == resumed["curve"][1]["cpu_seconds"]
    straight = run(tmp_path / "b")  # the same two epochs in one go
    assert resumed["metrics"]["test/acc"] == straight["metrics"]["test/acc"]
    assert resumed["curve"][1]["test/acc"] == straight["curve"][1]["test/acc"]
    again = run(tmp_path / "c", tmp_path / "runs")  # started once more after it finished: nothing to train
    assert again["metrics"]["test/acc"] == straight["metrics"]["test/acc"] and again["optimizer_steps"] == 8
    assert [row["epoch"] for row in again["curve"]] == [1, 2]  # the curve is written from the checkpoint
    assert again["metrics"]["val/acc"] == pytest.approx(again["curve"][1]["val/acc"])


def test_restarts_keep_per_seed_the_fit_with_the_highest_label_free_mutual_information(reproduce, tmp_path, capsys):
    config, out = os.path.join(CONFIGS, "digits_catgan_unsupervised.yaml"), str(tmp_path / "r")
    kept = reproduce.main(
        ["--config", config, "--seeds", "0", "--restarts", "2", "--metric", "test/cluster_acc", "--out", out]
        + QUICK
        + ["--trainer.check_val_every_n_epoch", "1"]
    )
    records = [json.loads(p.read_text()) for p in (tmp_path / "r").glob("*.json")]
    assert sorted(r.get("init_seed", r["seed"]) for r in records) == [0, 1000]  # two initializations, one split
    assert records[0]["metrics"] != records[1]["metrics"]  # they trained differently
    mi = {r.get("restart", 0): mutual_information(r) for r in records}
    (only,) = kept
    assert only.get("restart", 0) == max(mi, key=mi.get) and len(only["restarts"]) == 2
    printed = capsys.readouterr().out
    assert "highest mutual information" in printed and "of 2 (highest MI" in printed
    for r in only["restarts"]:  # each restart's error is printed with its MI, so the ranking can be read off
        error = 100 * (1 - r["metrics"]["test/cluster_acc"])
        assert f"{error:.2f} (MI {r['mutual_information']:.3f})" in printed
    again = reproduce.main(["--config", config, "--out", out, "--summarize", "--metric", "test/cluster_acc"])
    assert again[0].get("restart", 0) == only.get("restart", 0)  # --summarize selects the same way

    supervised = os.path.join(CONFIGS, "digits_supervised.yaml")
    with pytest.raises(SystemExit):
        reproduce.main(["--config", supervised, "--restarts", "2", "--out", str(tmp_path / "s")] + QUICK)
    assert "which CatGAN logs" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()  # refused before anything ran


def test_ensemble_scores_the_mean_probabilities_of_the_restarts(reproduce, tmp_path, capsys):
    import torch

    from catgan.ensembles import ensemble_accuracy

    out = str(tmp_path / "e")
    supervised = os.path.join(CONFIGS, "digits_supervised.yaml")  # any classifier, not only CatGAN
    (kept,) = reproduce.main(
        ["--config", supervised, "--seeds", "0", "--restarts", "2", "--ensemble", "--out", out] + QUICK
    )
    members = sorted((tmp_path / "e").glob("*_probs.pt"))
    assert len(members) == 2 and kept["ensemble"] == 2 and len(kept["members"]) == 2
    saved = [torch.load(p) for p in members]
    (test_probs_a, labels), (test_probs_b, labels_b) = saved[0]["test"], saved[1]["test"]
    assert torch.equal(labels, labels_b) and not torch.equal(test_probs_a, test_probs_b)  # two different fits
    by_hand = ((test_probs_a + test_probs_b).argmax(dim=1) == labels).float().mean().item()
    assert (
        kept["metrics"]["test/acc"] == pytest.approx(by_hand) == ensemble_accuracy([test_probs_a, test_probs_b], labels)
    )
    single = {m["restart"]: m["metrics"]["test/acc"] for m in kept["members"]}
    assert single[0] == pytest.approx(
        (test_probs_a.argmax(dim=1) == labels).float().mean().item()
    )  # = the fit's own test
    assert "ensemble of 2 (members:" in capsys.readouterr().out
    again = reproduce.main(["--config", supervised, "--out", out, "--summarize", "--ensemble"])
    assert again[0]["metrics"] == kept["metrics"]  # --summarize reads the ensemble record back
    capsys.readouterr()
    with pytest.raises(SystemExit):  # the members alone: a supervised fit has no mutual information to select by
        reproduce.main(["--config", supervised, "--out", out, "--summarize"])
    assert "with --ensemble" in capsys.readouterr().err

    with pytest.raises(SystemExit):  # clusters of different fits do not correspond
        reproduce.main(
            [
                "--config",
                supervised,
                "--restarts",
                "2",
                "--ensemble",
                "--metric",
                "test/cluster_acc",
                "--out",
                str(tmp_path / "c"),
            ]
            + QUICK
        )
    assert "clusters of different fits" in capsys.readouterr().err and not (tmp_path / "c").exists()


def test_against_pairs_seeds_and_reports_both_splits(reproduce, tmp_path, capsys):
    """``--summarize --against DIR``: per common seed, the error here minus there on the metric and on the other
    split, by hand: differences -1, -2, +0.5 points on test (mean -0.833), 0, 0, -1 on validation."""

    def write(folder, seed, test, val, config=CONFIG):
        os.makedirs(folder, exist_ok=True)
        record = {
            "config": config,
            "seed": seed,
            "metrics": {"test/acc": test, "val/acc": val},
            "epochs": 1,
            "fit_seconds": 1.0,
            "total_seconds": 1.0,
            "overrides": [],
            "date": "1",
        }
        with open(os.path.join(folder, f"r{seed}.json"), "w") as f:
            json.dump(record, f)

    new, old = str(tmp_path / "new"), str(tmp_path / "old")
    for seed, (t_new, v_new, t_old, v_old) in enumerate(
        [(0.97, 0.98, 0.96, 0.98), (0.98, 0.99, 0.96, 0.99), (0.95, 0.99, 0.955, 0.98)]
    ):
        write(new, seed, t_new, v_new)
        write(old, seed, t_old, v_old, config="other.yaml")  # a baseline of another config pairs by seed
    write(old, 7, 0.5, 0.5, config="other.yaml")  # only in the baseline: left out
    reproduce.main(["--config", CONFIG, "--out", new, "--summarize", "--against", old])
    printed = capsys.readouterr().out
    diffs = [-1.0, -2.0, 0.5]
    se = statistics.stdev(diffs) / 3**0.5
    assert "paired with the baseline on 3 seeds (0, 1, 2)" in printed
    assert f"test/acc error: -0.83 ± {se:.2f} points" in printed and "lower on 2, higher on 1, equal on 0" in printed
    assert "val/acc error: -0.33 ± 0.33 points" in printed and "lower on 1, higher on 0, equal on 2" in printed
    with pytest.raises(SystemExit):
        reproduce.main(["--config", CONFIG, "--out", new, "--summarize", "--against", str(tmp_path / "none")])
    assert "no seed is in both folders" in capsys.readouterr().err


def test_select_epoch_screens_restarts_early_and_continues_the_highest_mi_one_exactly(reproduce, tmp_path, capsys):
    """``--restarts 3 --select-epoch 1`` on a 2-epoch schedule: three restarts stop after epoch 1, only the one with
    the highest MI at epoch 1 trains epoch 2, and it ends where an uninterrupted fit of that restart ends (the
    stop leaves the schedule alone). The same command again trains nothing new."""
    config, out, runs = os.path.join(CONFIGS, "digits_catgan_unsupervised.yaml"), tmp_path / "r", tmp_path / "runs"
    quick = ["--", "--trainer.max_epochs", "2", "--trainer.limit_train_batches", "3", "--torch_threads", "1"]
    quick += ["--trainer.check_val_every_n_epoch", "1", "--model.init_args.lr_decay_start", "0.0"]
    command = ["--config", config, "--seeds", "0", "--restarts", "3", "--select-epoch", "1", "--metric"]
    command += ["test/cluster_acc", "--out", str(out), "--run-dir", str(runs)]
    (kept,) = reproduce.main(command + quick)
    records = [json.loads(p.read_text()) for p in out.glob("*.json")]
    screened = [r for r in records if r.get("stopped_after_epoch") == 1]
    assert sorted(r.get("restart", 0) for r in screened) == [0, 1, 2] and all(r["epochs"] == 1 for r in screened)
    mi = {r.get("restart", 0): mutual_information(r) for r in screened}
    assert kept.get("restart", 0) == max(mi, key=mi.get) and kept["epochs"] == 2 and kept["selected_at_epoch"] == 1
    assert [r["mutual_information"] for r in kept["restarts"]] == [mi[0], mi[1], mi[2]]
    assert "(highest MI at epoch 1; all at epoch 1:" in capsys.readouterr().out

    # the continued restart resumed its epoch-1 checkpoint and equals one uninterrupted 2-epoch fit of the same
    # initialization
    assert kept["resumed_from"].endswith("last.ckpt")
    plain = run_config(config, 0, quick[1:], "test/cluster_acc", str(tmp_path / "p"), restart=kept.get("restart", 0))
    assert plain["metrics"]["test/cluster_acc"] == kept["metrics"]["test/cluster_acc"]
    assert plain["metrics"]["val/conditional_entropy_real"] == kept["metrics"]["val/conditional_entropy_real"]

    count = len(list(out.glob("*.json")))
    (again,) = reproduce.main(command + quick)
    assert len(list(out.glob("*.json"))) == count + 1  # only the final record is written again: nothing screened anew
    assert again["metrics"]["test/cluster_acc"] == kept["metrics"]["test/cluster_acc"]
    summarized = reproduce.main(["--config", config, "--out", str(out), "--summarize", "--metric", "test/cluster_acc"])
    assert summarized[0]["selected_at_epoch"] == 1 and summarized[0].get("restart", 0) == kept.get("restart", 0)
    with pytest.raises(SystemExit):
        reproduce.main(["--config", config, "--restarts", "1", "--select-epoch", "1", "--out", str(out)] + quick)
    assert "screens --restarts R >= 2" in capsys.readouterr().err
