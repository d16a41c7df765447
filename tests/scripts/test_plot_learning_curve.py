"""scripts/plot_learning_curve.py: reading curves (files or run records), plotting them, projecting an error."""

import json
import math

import pytest

from tests.conftest import load_script

plot_learning_curve = load_script("plot_learning_curve")


def test_read_curve_gives_percent_error_of_the_rows_that_have_the_metric(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(
        json.dumps(
            {
                "epochs": [
                    {"epoch": 1, "seconds": 1800, "test/acc": 0.9},
                    {"epoch": 2, "seconds": 3600, "val/acc": 0.5},
                    {"epoch": 3, "seconds": 5400, "test/acc": 0.975},
                ]
            }
        )
    )
    epochs, errors = plot_learning_curve.read_curve(str(path), "test/acc")
    assert epochs == [1, 3] and errors == pytest.approx([10.0, 2.5])
    hours, _ = plot_learning_curve.read_curve(str(path), "test/acc", x="hours")
    assert hours == pytest.approx([0.5, 1.5])
    with pytest.raises(ValueError, match="without 'cpu_seconds'"):
        plot_learning_curve.read_curve(str(path), "test/acc", x="cpu_hours")
    rows = json.loads(path.read_text())["epochs"]
    path.write_text(json.dumps({"epochs": [dict(r, cpu_seconds=900 * r["epoch"]) for r in rows]}))
    cpu, _ = plot_learning_curve.read_curve(str(path), "test/acc", x="cpu_hours")
    assert cpu == pytest.approx([0.25, 0.75])
    with pytest.raises(ValueError, match="test/cluster_acc"):
        plot_learning_curve.read_curve(str(path), "test/cluster_acc")
    path.write_text(json.dumps({"seed": 0}))
    with pytest.raises(ValueError, match="--curve"):
        plot_learning_curve.read_curve(str(path), "test/acc")


def test_a_curve_file_folded_into_its_record_is_read_from_the_newest_record_with_a_curve(tmp_path):
    rows = [{"epoch": 1, "seconds": 10, "test/acc": 0.8}, {"epoch": 2, "seconds": 20, "test/acc": 0.9}]
    (tmp_path / "x_seed0_100.json").write_text(json.dumps({"epochs": 2, "date": "1", "curve": rows[:1]}))
    (tmp_path / "x_seed0_200.json").write_text(json.dumps({"epochs": 2, "date": "2", "curve": rows}))
    (tmp_path / "x_seed0_ensemble3_300.json").write_text(json.dumps({"date": "3", "curve": rows[:1]}))  # another run
    epochs, errors = plot_learning_curve.read_curve(str(tmp_path / "x_seed0_curve.json"), "test/acc")
    assert epochs == [1, 2] and errors == pytest.approx([20.0, 10.0])  # a record's "epochs" is a count, not rows
    with pytest.raises(FileNotFoundError, match="x_seed1_<time>.json"):
        plot_learning_curve.read_curve(str(tmp_path / "x_seed1_curve.json"), "test/acc")


def test_plot_writes_a_png(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"curve": [{"epoch": e, "test/acc": 0.8 + 0.05 * e} for e in (1, 2, 3)]}))
    out = tmp_path / "img" / "curve.png"
    plot_learning_curve.plot([f"run={path}"], str(out), hlines=["paper=1.91"])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_curve_can_name_its_own_metric(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"epochs": [{"epoch": 1, "test/acc": 0.9, "test/acc_raw": 0.8}]}))
    assert plot_learning_curve.split_metric(f"{path}@test/acc_raw", "test/acc") == (str(path), "test/acc_raw")
    assert plot_learning_curve.split_metric(str(path), "test/acc") == (str(path), "test/acc")
    label, spec = plot_learning_curve.split_label(f"raw D={path}@test/acc_raw")
    assert label == "raw D"
    _, errors = plot_learning_curve.read_curve(*plot_learning_curve.split_metric(spec, "test/acc"))
    assert errors == pytest.approx([20.0])
    out = tmp_path / "both.png"
    plot_learning_curve.plot([f"averaged={path}", f"raw={path}@test/acc_raw"], str(out))
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_projected_epoch_recovers_the_epoch_of_an_exact_curve():
    epochs = list(range(1, 31))
    log_linear = [20.0 * math.exp(-0.05 * e) for e in epochs]  # 5 % at epoch ln(4) / 0.05
    assert plot_learning_curve.projected_epoch(epochs, log_linear, 5.0, "log-linear") == pytest.approx(
        math.log(4) / 0.05
    )
    power_law = [30.0 * e**-0.5 for e in epochs]  # 3 % at epoch 100
    assert plot_learning_curve.projected_epoch(epochs, power_law, 3.0, "power-law") == pytest.approx(100.0)
    # only the epochs from `from_epoch` on are fitted: a bad start does not move the projection
    noisy_start = [99.0] * 5 + power_law[5:]
    assert plot_learning_curve.projected_epoch(epochs, noisy_start, 3.0, "power-law", from_epoch=6) == pytest.approx(
        100.0
    )
    assert plot_learning_curve.projected_epoch(epochs, [5.0 + 0.1 * e for e in epochs], 1.0) == math.inf  # rising
    with pytest.raises(ValueError, match="project-from"):
        plot_learning_curve.projected_epoch(epochs, power_law, 3.0, from_epoch=30)
    with pytest.raises(ValueError, match="power-law"):
        plot_learning_curve.projected_epoch(epochs, power_law, 3.0, model="cubic")


def test_projection_text_names_both_models_or_why_a_short_curve_is_skipped():
    epochs = list(range(1, 31))
    text = plot_learning_curve.projection_text(epochs, [30.0 * e**-0.5 for e in epochs], 3.0, from_epoch=1)
    assert text.startswith("log-linear ~") and "power-law ~100" in text
    assert "not projected" in plot_learning_curve.projection_text(epochs[:20], [25.0] * 20, 1.91, from_epoch=30)
