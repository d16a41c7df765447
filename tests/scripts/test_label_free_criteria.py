"""scripts/label_free_criteria.py: per-split error beside D's label-free statistics, and their rank correlation."""

import json

import pytest

from tests.conftest import load_script

criteria = load_script("label_free_criteria")


def write(folder, seed, acc, cond, marg, raw=None):
    metrics = {"test/acc": acc, "test/conditional_entropy_real": cond, "test/marginal_entropy_real": marg}
    if raw is not None:
        metrics["test/acc_raw"] = raw
    record = {"config": "configs/x.yaml", "seed": seed, "date": "2026-01-01", "metrics": metrics}
    (folder / f"x_seed{seed}.json").write_text(json.dumps(record))


def test_statistics_and_rank_correlations_by_hand(tmp_path, capsys):
    # errors 1, 2, 4, 3 %; conditional entropy in the errors' order, marginal entropy against it
    for seed, acc, cond, marg in ((0, 0.99, 0.1, 2.3), (1, 0.98, 0.2, 2.2), (2, 0.96, 0.4, 2.0), (3, 0.97, 0.3, 2.1)):
        write(tmp_path, seed, acc, cond, marg)
    rows = [criteria.split_statistics(json.loads(p.read_text())) for p in sorted(tmp_path.glob("*.json"))]
    assert [round(r["error"], 6) for r in rows] == [1.0, 2.0, 4.0, 3.0]
    assert [round(r["mutual_information"], 6) for r in rows] == [2.2, 2.0, 1.6, 1.8]
    found = criteria.correlations(rows)
    assert found["conditional_entropy"][0] == pytest.approx(1.0)
    assert found["marginal_entropy"][0] == pytest.approx(-1.0) and found["mutual_information"][0] == pytest.approx(-1.0)
    assert "raw_error" not in found  # no record kept a raw D
    assert criteria.main([str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "| 2 | 4.00 % | 0.4000 | 2.0000 | 1.6000 |" in printed and "+1.00 (p 0.000)" in printed


def test_a_stage_the_records_lack_and_too_few_splits_are_refused(tmp_path, capsys):
    for seed in range(3):
        write(tmp_path, seed, 0.99, 0.1 * (seed + 1), 2.3)
    with pytest.raises(SystemExit):
        criteria.main([str(tmp_path), "--stage", "val"])
    assert "choose --stage" in capsys.readouterr().err
    (tmp_path / "x_seed2.json").unlink()
    with pytest.raises(SystemExit):
        criteria.main([str(tmp_path)])
    assert "a correlation needs 3 splits" in capsys.readouterr().err
