"""catgan.extra_averages: more averages of D in one fit, each equal to what the module's own average would be at
that decay, scored on validation and test and in the learning curve, resumed from checkpoints."""

import json
import os
import shutil

import pytest
import torch

from catgan.extra_averages import DiscriminatorAverages
from tests.conftest import CONFIGS


def fit(run_cli, tmp_path, *extra):
    return run_cli(
        "fit",
        "--config",
        os.path.join(CONFIGS, "digits_catgan.yaml"),
        "--trainer.max_epochs",
        "2",
        "--trainer.limit_train_batches",
        "3",
        "--trainer.check_val_every_n_epoch",
        "1",
        "--model.init_args.d_ema_decay",
        "0.9",
        "--trainer.callbacks+=catgan.curves.LearningCurve",
        "--trainer.callbacks.path",
        str(tmp_path / "curve.json"),
        "--trainer.callbacks+=catgan.extra_averages.DiscriminatorAverages",
        "--trainer.callbacks.decays",
        "[0.9, 0.2]",
        *extra,
    )


def states_equal(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_an_extra_average_at_the_modules_decay_is_the_modules_average_and_scores_as_it(run_cli, tmp_path):
    cli = fit(run_cli, tmp_path)
    (callback,) = [c for c in cli.trainer.callbacks if isinstance(c, DiscriminatorAverages)]
    module = cli.model
    # updated after each of the 6 D steps, from the same weights as the module's own average
    assert int(callback.averages[0.9].n_averaged) == int(module.discriminator_ema.n_averaged) == 6
    assert states_equal(callback.averages[0.9].state_dict(), module.discriminator_ema.state_dict())
    # 0.2 is below the warm-up rate (1 + n) / (10 + n) from the second update on, so that average differs
    assert not states_equal(callback.averages[0.2].state_dict(), module.discriminator_ema.state_dict())
    metrics = cli.trainer.callback_metrics  # after the CLI's test of the final weights
    assert float(metrics["test/acc_ema_0.9"]) == pytest.approx(float(metrics["test/acc"]), abs=1e-6)
    assert "test/acc_ema_0.2" in metrics
    rows = json.loads((tmp_path / "curve.json").read_text())["epochs"]
    for row in rows:
        assert row["val/acc_ema_0.9"] == pytest.approx(row["val/acc"], abs=1e-6)
        assert row["test/acc_ema_0.9"] == pytest.approx(row["test/acc"], abs=1e-6)
        assert 0.0 <= row["val/acc_ema_0.2"] <= 1.0 and 0.0 <= row["test/acc_ema_0.2"] <= 1.0


def test_a_resumed_fit_continues_the_extra_averages(run_cli, tmp_path):
    fit(run_cli, tmp_path, "--trainer.max_epochs", "1")
    checkpoint = tmp_path / "one_epoch.ckpt"
    shutil.copy(tmp_path / "checkpoints" / "last.ckpt", checkpoint)
    resumed = fit(run_cli, tmp_path, "--ckpt_path", str(checkpoint))
    (again,) = [c for c in resumed.trainer.callbacks if isinstance(c, DiscriminatorAverages)]
    # 3 D steps before the checkpoint and 3 after (3 alone if the averages had started anew) ...
    assert [int(again.averages[d].n_averaged) for d in (0.9, 0.2)] == [6, 6]
    # ... and the one at the module's decay is still the module's own (resumed) average
    assert states_equal(again.averages[0.9].state_dict(), resumed.model.discriminator_ema.state_dict())


def test_bad_decays_and_a_checkpoint_of_other_decays_are_refused_naming_the_fix():
    for decays in ([], [1.0], [0.0], [0.9, 0.9]):
        with pytest.raises(ValueError, match="distinct numbers in"):
            DiscriminatorAverages(decays)
    with pytest.raises(ValueError, match="resume with the same decays"):
        DiscriminatorAverages([0.9]).load_state_dict({"0.99": {}})


def test_without_warm_up_the_decay_holds_from_the_second_update_by_hand():
    from torch.optim.swa_utils import AveragedModel

    from catgan.extra_averages import decay_name
    from catgan.modules.averaging import warmed_up_ema

    net = torch.nn.Linear(1, 1, bias=False)
    plain = AveragedModel(net, multi_avg_fn=warmed_up_ema(0.5, warm_up=False), use_buffers=True)
    warm = AveragedModel(net, multi_avg_fn=warmed_up_ema(0.5), use_buffers=True)
    for w in (0.0, 1.0, 2.0):
        net.weight.data.fill_(w)
        plain.update_parameters(net)
        warm.update_parameters(net)
    # 0 copied; then 0.5 * 0 + 0.5 * 1 = 0.5; 0.5 * 0.5 + 0.5 * 2 = 1.25
    assert float(plain.module.weight) == pytest.approx(1.25)
    # warmed: d_1 = 2/11, d_2 = 3/12: (9/11) * 1 = 0.8182; 0.25 * 0.8182 + 0.75 * 2 = 1.7045
    assert float(warm.module.weight) == pytest.approx(0.25 * 9 / 11 + 1.5)
    assert decay_name(0.9999) == "ema_0.9999" and decay_name(0.9999, warm_up=False) == "ema_0.9999_no_warm_up"
    assert DiscriminatorAverages([0.9], warm_up=False).state_key != DiscriminatorAverages([0.9]).state_key


def test_an_average_no_d_step_reached_is_not_scored(run_cli, tmp_path):
    fit(run_cli, tmp_path, "--trainer.max_epochs", "1")
    tested = run_cli(
        "test",
        "--config",
        os.path.join(CONFIGS, "digits_catgan.yaml"),
        "--ckpt_path",
        str(tmp_path / "checkpoints" / "last.ckpt"),
        "--trainer.callbacks+=catgan.extra_averages.DiscriminatorAverages",
        "--trainer.callbacks.decays",
        "[0.9]",
    )
    assert "test/acc" in tested.trainer.callback_metrics
    assert not any(name.startswith("test/acc_ema_") for name in tested.trainer.callback_metrics)
