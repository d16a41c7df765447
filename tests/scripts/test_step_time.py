"""scripts/step_time.py: training-step time of a config under several settings, one process per variant."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

SCRIPT = os.path.join(REPO, "scripts", "step_time.py")


def run(*args):
    env = dict(os.environ, WANDB_MODE="disabled")
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, cwd=REPO, env=env)


DIGITS = ("--config", "configs/digits_catgan.yaml", "--steps", "8", "--warmup", "3")


@pytest.mark.slow
def test_step_time_reports_every_variant_against_the_first(tmp_path):
    out = run(
        *DIGITS,
        "--variant",
        "fp32=",
        "--variant",
        "fused Adam=--model.init_args.fused_adam true",
        "--out",
        str(tmp_path),
    )
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert "5 timed steps per measurement" in lines[0]
    rows = {line[:34].strip(): line[34:].split() for line in lines[2:] if not line.startswith("step_time:")}
    assert set(rows) == {"fp32", "fused Adam"}
    assert rows["fp32"][-1] == "1.00x"  # the reference
    assert all(float(row[0]) > 0 and float(row[1]) > 0 for row in rows.values())
    (name,) = os.listdir(tmp_path)  # the record: the table's numbers with the settings that made them
    with open(tmp_path / name) as f:
        record = json.load(f)
    assert record["config"] == "configs/digits_catgan.yaml" and record["timed_steps"] == 5
    assert [v["variant"] for v in record["variants"]] == ["fp32", "fused Adam"]
    assert record["variants"][1]["overrides"] == ["--model.init_args.fused_adam", "true"]
    assert record["variants"][0]["cpu_ms"] == float(rows["fp32"][1])


@pytest.mark.slow
def test_step_time_names_a_failing_variant_and_bad_arguments():
    out = run(*DIGITS, "--variant", "typo=--model.init_args.no_such_option 1")
    assert out.returncode != 0 and "the variant '--model.init_args.no_such_option 1' failed" in out.stderr
    assert "--variant takes NAME=ARGS" in run("--config", "configs/digits_catgan.yaml", "--variant", "bf16").stderr
    bad_warmup = run("--config", "configs/digits_catgan.yaml", "--steps", "5", "--warmup", "5")
    assert "must be below --steps" in bad_warmup.stderr
    assert "no config file" in run("--config", "configs/nope.yaml").stderr
