"""scripts/compare.py: every method runs on the same labels and seed through the CLI, one JSON per run,
the summary table's statistics, and bad arguments rejected before training."""

import json

import pytest

from tests.conftest import load_script


@pytest.fixture(scope="module")
def compare():
    return load_script("compare")


def test_compare_runs_every_method_and_writes_one_json_per_run(compare, tmp_path, capsys):
    out = tmp_path / "results"
    records = compare.main(
        [
            "--data",
            "digits",
            "--seeds",
            "3",
            "--epochs",
            "1",
            "--num-labeled",
            "30",
            "--out",
            str(out),
            "--",
            "--trainer.limit_train_batches",
            "2",
        ]
    )
    assert [r["method"] for r in records] == ["CatGAN", "ImprovedGAN", "Supervised"]
    assert [r["optimizer_steps"] for r in records] == [4, 4, 2]  # extra CLI args reach every run: 2 batches
    saved = {p.name: json.loads(p.read_text()) for p in out.glob("*.json")}
    assert set(saved) == {f"digits_{m}_labels30_seed3.json" for m in ("catgan", "improved_gan", "supervised")}
    for record in saved.values():
        assert record["seed"] == 3 and record["num_labeled"] == 30 and record["max_epochs"] == 1
        assert record["metric"] == "test/acc" and record["error"] == pytest.approx(1.0 - record["metrics"]["test/acc"])
        assert 0.0 < record["metrics"]["test/acc"] <= 1.0 and record["total_seconds"] > 0
        assert record["command"].startswith(f"catgan fit --config {record['config']} --seed_everything 3 ")
        assert "--data.init_args.num_labeled 30" in record["command"]
        assert len(record["curve"]) == 1 and set(record["hours_to_test_error"]) == {"5", "2"}
    printed = capsys.readouterr().out
    assert "digits, 30 labels, seeds 3, 1 epochs" in printed
    assert all(name in printed for name in ("CatGAN", "ImprovedGAN", "Supervised"))


def test_each_method_uses_its_own_measured_config_and_the_time_to_a_target_error(compare):
    assert compare.config_path("mnist", "improved_gan").endswith("mnist_pi_improved_gan_100.yaml")
    assert compare.config_path("mnist", "catgan").endswith("mnist_pi_catgan_100.yaml")
    curve = [{"epoch": 1, "seconds": 360, "test/acc": 0.90}, {"epoch": 2, "seconds": 720, "test/acc": 0.96}]
    curve.append({"epoch": 3, "seconds": 1080, "test/acc": 0.94})
    assert compare.hours_to(curve, 5.0) == 0.2 and compare.hours_to(curve, 2.0) is None
    records = [
        {"method": "ImprovedGAN", "error": 0.02, "total_seconds": 9.0, "hours_to_test_error": {"5": 0.5, "2": h}}
        for h in (1.0, None)
    ]
    row = compare.summary_table(records).splitlines()[1].split()
    assert row[-4:] == ["0.50", "(2/2)", "1.00", "(1/2)"]  # the mean over the runs that reached it, and how many


def test_summary_table_reports_mean_and_sample_std(compare):
    records = [{"method": "CatGAN", "error": e, "total_seconds": w} for e, w in ((0.10, 1.0), (0.12, 2.0), (0.14, 3.0))]
    records.append({"method": "Supervised", "error": 0.2, "total_seconds": 4.0})
    rows = compare.summary_table(records).splitlines()
    assert rows[1].split() == ["CatGAN", "3", "12.00", "±", "2.00", "2.0"]
    assert rows[2].split() == ["Supervised", "1", "20.00", "±", "n/a", "4.0"]
    assert len(rows) == 3  # no row for a method that did not run


def test_bad_arguments_fail_before_training(compare, tmp_path, capsys):
    with pytest.raises(SystemExit):
        compare.main(["--data", "mnist", "--data-dir", str(tmp_path)])
    assert "MNIST files missing" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        compare.main(["--num-labeled", "55"])
    assert "multiple of the 10 classes" in capsys.readouterr().err
