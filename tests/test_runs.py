"""catgan.runs: one fit of a config on a label split and its self-contained record (config and its git blob hash,
resolved config, command, no absolute path), written whole, read back newest per seed."""

import json
import os
import shlex
import subprocess

from catgan.runs import blob_sha, dumps, load_records, new_record_name, relative, run_config, write_record
from tests.conftest import CONFIGS, REPO

CONFIG = os.path.join(CONFIGS, "digits_catgan.yaml")
QUICK = ["--trainer.max_epochs", "1", "--trainer.limit_train_batches", "2", "--torch_threads", "1"]


def strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, str):
        yield value


def test_blob_sha_is_gits_hash_of_the_bytes():
    assert blob_sha(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"  # git hash-object /dev/null
    assert blob_sha(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_a_record_says_what_ran_without_a_machine_path(tmp_path):
    out = tmp_path / "records"
    record = run_config(CONFIG, 3, QUICK, out_dir=str(out), run_dir=str(tmp_path / "runs"), curve=True, restart=1)
    assert record["config"] == "configs/digits_catgan.yaml" and relative(CONFIG) == record["config"]
    hashed = subprocess.run(["git", "hash-object", CONFIG], capture_output=True, text=True, cwd=REPO)
    if hashed.returncode == 0:
        assert record["config_sha"] == hashed.stdout.strip()
    assert record["seed"] == 3 and record["init_seed"] == 1003 and record["optimizer_steps"] == 4
    assert record["error"] == 1.0 - record["metrics"]["test/acc"] and record["metric"] == "test/acc"
    resolved = record["resolved_config"]
    assert resolved["trainer"]["max_epochs"] == 1 and resolved["seed_everything"] == 1003
    assert resolved["data"]["init_args"]["seed"] == 3 and resolved["trainer"]["default_root_dir"] == "<run_dir>"
    assert set(record["versions"]) >= {"torch", "lightning"} and len(record["curve"]) == 1
    assert not [s for s in strings(record) if s.startswith("/")]  # no absolute path anywhere
    command = shlex.split(record["command"])
    assert command[:4] == ["catgan", "fit", "--config", "configs/digits_catgan.yaml"]
    assert command[command.index("--seed_everything") + 1] == "1003" and command[-len(QUICK) :] == QUICK
    (written,) = [p for p in out.glob("*.json") if not p.name.endswith("_curve.json")]
    assert json.loads(written.read_text()) == json.loads(dumps(record)) == record
    assert not list(out.glob("*.part"))


def test_load_records_keeps_the_newest_record_per_seed_and_restart(tmp_path):
    for name, seed, date, acc in (("a", 0, "2026-01-01", 0.5), ("b", 0, "2026-01-02", 0.6), ("c", 1, "1", 0.7)):
        (tmp_path / f"{name}.json").write_text(
            json.dumps({"config": "configs/x.yaml", "seed": seed, "date": date, "metrics": {"test/acc": acc}})
        )
    (tmp_path / "x_curve.json").write_text(json.dumps({"epochs": []}))
    records = load_records(str(tmp_path), "configs/x.yaml")
    assert [(r["seed"], r["metrics"]["test/acc"]) for r in records] == [(0, 0.6), (1, 0.7)]
    assert load_records(str(tmp_path), "configs/y.yaml") == []


def test_records_written_within_one_second_keep_each_other(tmp_path, monkeypatch):
    monkeypatch.setattr("catgan.runs.time.time", lambda: 1796701064.7)
    for acc in (0.5, 0.6, 0.7):
        write_record({"metrics": {"test/acc": acc}}, str(tmp_path), new_record_name(str(tmp_path), "x_seed0"))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["x_seed0_1796701064.json", "x_seed0_1796701064_2.json", "x_seed0_1796701064_3.json"]
    accs = [json.loads((tmp_path / n).read_text())["metrics"]["test/acc"] for n in names]
    assert accs == [0.5, 0.6, 0.7]
