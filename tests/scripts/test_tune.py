"""scripts/tune.py: an Optuna study of real digits fits in SQLite, resumed into the same file, pruning that
stops a fit early, a best config that runs, and a bad search-space key refused before any trial."""

import json
import os

import optuna
import pytest
import yaml
from optuna.trial import TrialState

from catgan.search import base_values, encode_choice
from tests.conftest import CONFIGS, load_script

CONFIG = os.path.join(CONFIGS, "digits_catgan.yaml")
QUICK = [
    "--",
    "--trainer.max_epochs",
    "2",
    "--trainer.check_val_every_n_epoch",
    "1",
    "--trainer.limit_train_batches",
    "3",
]
SPACE = {
    "model.init_args.lr_d": {"type": "float", "low": 3e-4, "high": 3e-3, "log": True},
    "model.init_args.lr_g": {"same_as": "model.init_args.lr_d"},
    "model.init_args.discriminator.init_args.hidden": {"type": "categorical", "choices": [[32], [32, 32]]},
}


@pytest.fixture(scope="module")
def tune():
    return load_script("tune")


def write_space(path, space=SPACE):
    path.write_text(yaml.safe_dump(space))
    return str(path)


def test_study_in_sqlite_is_resumed_and_writes_a_best_config_that_runs(tune, tmp_path, run_cli, capsys):
    space, out = write_space(tmp_path / "space.yaml"), str(tmp_path / "study")
    args = ["--config", CONFIG, "--space", space, "--trials", "3", "--out", out, "--seeds", "100"]
    tune.main(args + QUICK)
    assert os.path.exists(os.path.join(out, "study.db"))
    stored = optuna.load_study(study_name="digits_catgan", storage=f"sqlite:///{out}/study.db")
    finished = stored.get_trials(states=(TrialState.COMPLETE, TrialState.PRUNED))
    assert len(finished) == 3 == len(stored.trials)
    assert (
        "importance (fANOVA, 3 complete trials; with under 20 trials the ranking is not stable"
        in capsys.readouterr().out
    )
    assert json.load(open(os.path.join(out, "importances.json")))["complete_trials"] == 3

    with pytest.raises(SystemExit, match="--resume"):  # the same study again without --resume
        tune.main(args + QUICK)
    tune.main([a if a != "3" else "5" for a in args] + ["--resume"] + QUICK)
    resumed = optuna.load_study(study_name="digits_catgan", storage=f"sqlite:///{out}/study.db")
    assert len(resumed.trials) == 5  # two more trials in the same file
    first_call = {t.params["model.init_args.lr_d"] for t in resumed.trials[:3]}
    assert first_call.isdisjoint(t.params["model.init_args.lr_d"] for t in resumed.trials[3:])  # no replayed draws

    best = yaml.safe_load(open(os.path.join(out, "best.yaml")))
    params = resumed.best_trial.params
    assert best["model"]["init_args"]["lr_d"] == params["model.init_args.lr_d"] == best["model"]["init_args"]["lr_g"]
    hidden = best["model"]["init_args"]["discriminator"]["init_args"]["hidden"]
    assert hidden == tune.decode_choice(params["model.init_args.discriminator.init_args.hidden"])
    base = yaml.safe_load(open(CONFIG))["model"]["init_args"]
    assert best["model"]["init_args"]["supervised_weight"] == base["supervised_weight"]  # the rest is kept
    cli = run_cli(
        "fit",
        "--config",
        os.path.join(out, "best.yaml"),
        "--trainer.max_epochs",
        "1",
        "--trainer.limit_train_batches",
        "2",
        "--test_after_fit",
        "false",
        logger="false",
    )
    assert cli.trainer.global_step == 4
    assert [layer.out_features for layer in cli.model.discriminator.body if hasattr(layer, "out_features")] == hidden


def test_a_short_search_of_a_shipped_space_completes_after_a_failed_first_call_and_resumes(tune, tmp_path, capsys):
    """configs/digits_catgan.yaml validates every 10 epochs: 2-epoch trials validate at their end all the same. A
    first call on a metric the fit does not log fails; the corrected command continues in the same folder."""
    space, out = os.path.join(CONFIGS, "search", "digits_catgan.yaml"), tmp_path / "study"
    args = ["--config", CONFIG, "--space", space, "--out", str(out), "--seeds", "100", "--pruner", "none"]
    short = ["--", "--trainer.max_epochs", "2", "--trainer.limit_train_batches", "2", "--torch_threads", "1"]
    with pytest.raises(SystemExit, match="logged no 'val/nothing'; choose --metric among .*'val/acc'"):
        tune.main(args + ["--trials", "1", "--metric", "val/nothing"] + short)
    with pytest.raises(SystemExit):
        tune.main(args + ["--metric", "test/error"] + short)  # trials do not test: refused before any trial
    assert "choose a val/ metric" in capsys.readouterr().err
    tune.main(args + ["--trials", "2"] + short)
    assert "holds no finished trial yet: continuing it" in capsys.readouterr().out
    tune.main(args + ["--trials", "3", "--resume"] + short)
    printed = capsys.readouterr().out
    trials = optuna.load_study(study_name="digits_catgan", storage=f"sqlite:///{out}/study.db").trials
    assert [t.state.name for t in trials] == ["FAIL", "COMPLETE", "COMPLETE", "COMPLETE"]
    assert all(t.user_attrs["epochs"] == 2 for t in trials[1:])
    record = json.loads((out / "study.json").read_text())
    assert record["config"] == "configs/digits_catgan.yaml" and record["space"] == "configs/search/digits_catgan.yaml"
    assert record["metric"] == "val/error" and [t["number"] for t in record["trials"]] == [0, 1, 2, 3]
    assert record["best"]["value"] == min(t.value for t in trials[1:]) and record["command"].startswith("python ")
    assert record["trials"][1]["intermediate_values"] == {"1": trials[1].value}  # validated at epoch 2 (index 1)
    importance = json.loads((out / "importances.json").read_text())
    assert importance["complete_trials"] == 3
    assert "importance (fANOVA, 3 complete trials" in printed or "error" in importance


def test_a_pruned_trial_stops_its_fit_early(tune):
    space = {"model.init_args.lr_d": {"type": "float", "low": 1e-3, "high": 2e-3}}
    study = optuna.create_study(pruner=optuna.pruners.ThresholdPruner(upper=0.0))  # any error > 0 is pruned
    objective = tune.make_objective(
        CONFIG,
        space,
        "val/error",
        [100],
        ["--trainer.max_epochs", "5", "--trainer.check_val_every_n_epoch", "1", "--trainer.limit_train_batches", "3"],
        wandb=False,
        study_name="prune",
    )
    study.optimize(objective, n_trials=1)
    trial = study.trials[0]
    assert trial.state == TrialState.PRUNED
    assert trial.user_attrs["pruned_at_epoch"] == 1 < 5  # stopped after its first validation
    assert list(trial.intermediate_values) == [0]


def test_bad_search_space_key_fails_before_any_trial(tune, tmp_path, capsys):
    space = write_space(
        tmp_path / "bad.yaml", {"model.init_args.learning_rate": {"type": "float", "low": 0.1, "high": 0.2}}
    )
    with pytest.raises(SystemExit):
        tune.main(["--config", CONFIG, "--space", space, "--out", str(tmp_path / "s")] + QUICK)
    message = capsys.readouterr().err
    assert "model.init_args.learning_rate" in message and "does not apply" in message
    assert not os.path.exists(tmp_path / "s" / "study.db")  # no study was created
    mixed = {**SPACE, "model.init_args.learning_rate": {"type": "float", "low": 0.1, "high": 0.2}}
    with pytest.raises(ValueError, match="key 'model.init_args.learning_rate' does not apply"):
        tune.check_space(CONFIG, mixed)  # the one bad key among good ones is named

    with pytest.raises(ValueError, match="low < high"):
        tune.load_space(
            write_space(tmp_path / "range.yaml", {"model.init_args.lr_d": {"type": "float", "low": 1, "high": 1}})
        )
    with pytest.raises(ValueError, match="same_as"):
        tune.load_space(write_space(tmp_path / "same.yaml", {"model.init_args.lr_g": {"same_as": "nowhere"}}))


def test_resume_without_a_study_says_so_before_anything_is_written(tune, tmp_path, capsys):
    space = write_space(tmp_path / "space.yaml")
    with pytest.raises(SystemExit):
        tune.main(["--config", CONFIG, "--space", space, "--out", str(tmp_path / "none"), "--resume"] + QUICK)
    assert "no study to continue" in capsys.readouterr().err and not (tmp_path / "none").exists()
    storage = f"sqlite:///{tmp_path / 'other.db'}"  # a storage of the user's: optuna's KeyError becomes a message
    with pytest.raises(SystemExit, match="no study 'digits_catgan' .* drop --resume"):
        tune.main(
            ["--config", CONFIG, "--space", space, "--storage", storage, "--out", str(tmp_path / "o"), "--resume"]
            + QUICK
        )
    assert not (tmp_path / "o").exists()


def test_search_space_keys_are_checked_together_as_a_trial_sets_them(tune):
    """digits_improved_gan.yaml has data_init_noise: true, which needs scale_init: data. A space that samples both
    is checked at its smallest values together (false, unit: fine); one that samples scale_init alone is refused."""
    config = os.path.join(CONFIGS, "digits_improved_gan.yaml")
    d = "model.init_args.discriminator.init_args"
    scale_init = {f"{d}.scale_init": {"type": "categorical", "choices": ["unit", "data"]}}
    tune.check_space(config, {f"{d}.data_init_noise": {"type": "categorical", "choices": [False, True]}, **scale_init})
    with pytest.raises(ValueError, match="smallest values make a config .* refuse.*data_init_noise=True needs"):
        tune.check_space(config, scale_init)


def test_error_metric_falls_back_to_one_minus_accuracy(tune):
    assert tune.metric_value({"val/cluster_acc": 0.75}, "val/cluster_error") == pytest.approx(0.25)
    assert tune.metric_value({"val/error": 0.1, "val/acc": 0.2}, "val/error") == pytest.approx(0.1)
    assert tune.metric_value({}, "val/error") is None


@pytest.mark.parametrize(
    "name, config",
    [
        ("digits_catgan", "digits_catgan"),
        ("digits_catgan_100", "digits_catgan"),
        ("digits_catgan_unsupervised", "digits_catgan_unsupervised"),
        ("digits_improved_gan", "digits_improved_gan"),
    ],
)
def test_shipped_search_spaces_apply_to_their_configs(tune, name, config):
    space = tune.load_space(os.path.join(CONFIGS, "search", f"{name}.yaml"))
    tune.check_space(os.path.join(CONFIGS, f"{config}.yaml"), space)  # raises naming a key that does not apply


def test_baseline_runs_the_base_config_first_once_per_study_and_refuses_values_outside_the_space(
    tune, tmp_path, capsys
):
    hidden_key = "model.init_args.discriminator.init_args.hidden"
    space = dict(SPACE, **{hidden_key: {"type": "categorical", "choices": [[32], [256, 256, 256]]}})
    expected = {"model.init_args.lr_d": 1e-3, hidden_key: encode_choice([256, 256, 256])}
    assert base_values(CONFIG, space) == expected  # the digits default's own values
    assert base_values(CONFIG, space, ["--model.init_args.lr_d", "2e-3"])["model.init_args.lr_d"] == 2e-3
    weights = {
        "model.init_args.entropy_weights": {"type": "categorical", "choices": [[1.0, 0.3, 1.0], [1.0, 1.0, 1.0]]}
    }
    assert base_values(CONFIG, weights) == {"model.init_args.entropy_weights": encode_choice([1.0, 1.0, 1.0])}

    path, out = write_space(tmp_path / "space.yaml", space), str(tmp_path / "study")
    args = ["--config", CONFIG, "--space", path, "--out", out, "--seeds", "100", "--baseline"]
    tune.main(args + ["--trials", "2"] + QUICK)
    assert "(the base config, rank" in capsys.readouterr().out
    tune.main(args + ["--trials", "3", "--resume"] + QUICK)
    trials = optuna.load_study(study_name="digits_catgan", storage=f"sqlite:///{out}/study.db").trials
    assert len(trials) == 3
    assert [t.user_attrs.get("baseline", False) for t in trials] == [True, False, False]  # once, and first
    assert trials[0].params == expected

    narrow = write_space(
        tmp_path / "narrow.yaml", dict(space, **{hidden_key: {"type": "categorical", "choices": [[32]]}})
    )
    with pytest.raises(SystemExit):
        tune.main(["--config", CONFIG, "--space", narrow, "--out", str(tmp_path / "n"), "--baseline"] + QUICK)
    assert "not among the space's choices" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "n" / "study.db")  # refused before a study was created


def test_resume_reruns_a_trial_that_a_killed_call_left_running_the_baseline_included(tune, tmp_path, capsys):
    space = {"model.init_args.lr_d": SPACE["model.init_args.lr_d"]}
    path, out = write_space(tmp_path / "space.yaml", space), str(tmp_path / "study")
    storage = f"sqlite:///{out}/study.db"
    os.makedirs(out)
    study = optuna.create_study(storage=storage, study_name="digits_catgan", direction="minimize")
    study.enqueue_trial({"model.init_args.lr_d": 1e-3}, user_attrs={"baseline": True})
    study.ask()  # a call killed inside its first trial (the baseline): RUNNING forever
    args = ["--config", CONFIG, "--space", path, "--out", out, "--seeds", "100", "--baseline", "--resume"]
    tune.main(args + ["--trials", "1"] + QUICK)
    assert "1 trial(s) left running" in capsys.readouterr().out
    trials = optuna.load_study(study_name="digits_catgan", storage=storage).trials
    states = [t.state.name for t in trials]
    assert states == ["FAIL", "COMPLETE"]  # the interrupted trial failed, its rerun completed
    rerun = [t for t in trials[1:] if t.user_attrs.get("baseline")]
    assert len(rerun) == 1 and rerun[0].state.name == "COMPLETE" and rerun[0].params == {"model.init_args.lr_d": 1e-3}
