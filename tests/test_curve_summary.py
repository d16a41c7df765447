"""Curve summaries of run records, against values worked out by hand on a four-epoch curve."""

import json

import pytest

from catgan.curve_summary import d_wins_epochs, epochs_text, markdown_table, summarize
from tests.conftest import load_script


def curve_record(seed, accs, raws, fake_entropy, final=None):
    curve = [
        {"epoch": i + 1, "test/acc": a, "test/acc_raw": r, "train/d/conditional_entropy_fake": h}
        for i, (a, r, h) in enumerate(zip(accs, raws, fake_entropy))
    ]
    record = {"config": "c.yaml", "seed": seed, "metric": "test/acc", "curve": curve, "train_cpu_seconds": 1800}
    if final is not None:
        record["metrics"] = {"test/acc": final}
    return record


def test_a_summary_reads_errors_thresholds_and_the_d_wins_state_off_the_curve():
    record = curve_record(3, [0.90, 0.97, 0.985, 0.98], [0.8, 0.9, 0.95, 0.96], [1.0, 2.1, 2.2, 1.5], final=0.981)
    row = summarize(record, at_epochs=(2, 5), last=2, threshold=2.0)
    assert row["split"] == 3 and row["epochs"] == 4
    assert row["final"] == pytest.approx(1.9)  # the record's final metric, not the curve's last epoch (2.0)
    assert row["final_raw"] == pytest.approx(4.0)  # no final raw metric: the curve's last epoch
    assert row["at"][2] == pytest.approx(3.0) and row["at"][5] is None
    assert row["last_mean"] == pytest.approx(1.75)  # epochs 3 and 4: 1.5 and 2.0 %
    assert row["first_below"] == 3  # 1.5 % at epoch 3; epoch 2 is at 3 %
    assert row["d_wins"] == [3] and d_wins_epochs(record["curve"], level=2.0, after=1) == [2, 3]
    assert row["cpu_hours"] == pytest.approx(0.5)
    assert summarize(record, threshold=1.0)["first_below"] is None
    assert epochs_text([3, 4, 5, 9]) == "3–5, 9" and epochs_text([]) == "none"


def test_the_table_ends_with_mean_std_and_the_worst_split_and_a_record_without_a_curve_is_refused():
    rows = [summarize(curve_record(s, [0.98, a], [0.9, 0.9], [1.0, 1.0]), last=1) for s, a in ((0, 0.99), (1, 0.97))]
    table = markdown_table(rows)
    assert table.splitlines()[2].startswith("| 0 | 1.00 % | 10.00 % |")
    assert table.endswith("mean ± std over 2 splits: 2.00 ± 1.41 %; worst split 1: 3.00 %")
    with pytest.raises(ValueError, match="--curve"):
        summarize({"seed": 5, "metrics": {"test/acc": 0.9}})


def test_the_script_prints_one_row_per_split_from_the_newest_record(tmp_path, capsys):
    for name, acc, date in (("a_seed0.json", 0.98, "1"), ("b_seed0.json", 0.99, "2"), ("c_seed1.json", 0.97, "1")):
        record = dict(curve_record(int(name[-6]), [acc], [acc], [1.0]), date=date)
        (tmp_path / name).write_text(json.dumps(record))
    assert load_script("curve_summary").main([str(tmp_path), "--at", "1", "--threshold", "2.5"]) == 0
    out = capsys.readouterr().out
    assert "| 0 | 1.00 % |" in out and "| 1 | 3.00 % |" in out and "worst split 1: 3.00 %" in out


def test_the_script_refuses_a_missing_folder_and_a_non_positive_last(tmp_path, capsys):
    script = load_script("curve_summary")
    for argv, message in (([str(tmp_path / "nope")], "not a folder"), ([str(tmp_path), "--last", "0"], "--last")):
        with pytest.raises(SystemExit):
            script.main(argv)
        assert message in capsys.readouterr().err
