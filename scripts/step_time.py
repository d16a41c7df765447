"""Training-step time of a config under settings that should not change what it learns (precision, kernels).

    python scripts/step_time.py --config configs/mnist_pi_improved_gan_100.yaml \\
        --variant "fp32=" --variant "fused Adam=--model.init_args.fused_adam true" \\
        --variant "bf16 + fused Adam=--trainer.precision bf16-mixed --model.init_args.fused_adam true"

Each variant is a string of extra ``catgan fit`` arguments, run as its own process (one torch thread,
``OMP_NUM_THREADS=1``) for ``--steps`` training batches of one epoch without validation, logger or checkpoints;
the clock runs from batch ``--warmup`` to the epoch's end, so start-up, the data-dependent init and the first
steps' allocations are not counted. Variants are run in turn, ``--repeats`` rounds (interleaved, so a machine
whose load changes slows every variant alike); the table gives the median wall and CPU milliseconds per
training step (one D step and the config's G steps) and the speed-up of CPU time against the first variant.
Torchvision data is read from ``--data-dir`` (``data`` by default: copy or download MNIST there first).
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from typing import List, Tuple

MARK = "STEP_TIME"


def child(config: str, steps: int, warmup: int, data_dir: str, extra: List[str]) -> None:
    """Fit ``steps`` batches and print the wall and CPU ms per step after ``warmup`` batches."""
    from lightning.pytorch.callbacks import Callback

    from catgan.cli import main

    class Clock(Callback):
        def on_train_batch_start(self, trainer, module, batch, batch_idx):
            if batch_idx == warmup:
                self.wall, self.cpu = time.perf_counter(), time.process_time()

        def on_train_epoch_end(self, trainer, module):
            n = trainer.fit_loop.epoch_loop.batch_progress.current.ready - warmup
            wall, cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
            print(f"{MARK} {1000 * wall / n:.3f} {1000 * cpu / n:.3f} {n}", flush=True)

    with tempfile.TemporaryDirectory() as root:
        args = [
            "--config",
            config,
            "--trainer.max_epochs",
            "1",
            "--trainer.limit_train_batches",
            str(steps),
            "--trainer.limit_val_batches",
            "0",
            "--trainer.logger",
            "false",
            "--torch_threads",
            "1",
            "--trainer.enable_progress_bar",
            "false",
            "--trainer.enable_model_summary",
            "false",
            "--trainer.default_root_dir",
            root,
            *extra,
        ]
        cli = main(args, run=False)
        if hasattr(cli.datamodule, "data_dir"):
            cli.datamodule.data_dir = data_dir
        cli.trainer.callbacks.append(Clock())
        cli.trainer.fit(cli.model, datamodule=cli.datamodule)


def measure(config: str, steps: int, warmup: int, data_dir: str, extra: str) -> Tuple[float, float, int]:
    env = dict(os.environ, OMP_NUM_THREADS="1", WANDB_MODE="disabled")
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        "--config",
        config,
        "--steps",
        str(steps),
        "--warmup",
        str(warmup),
        "--data-dir",
        data_dir,
        "--",
        *shlex.split(extra),
    ]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    lines = [line for line in out.stdout.splitlines() if line.startswith(MARK)]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"step_time: the variant {extra!r} failed:\n{out.stderr[-3000:]}")
    wall, cpu, n = lines[-1].split()[1:]
    return float(wall), float(cpu), int(n)


def parse_variant(text: str) -> Tuple[str, str]:
    name, sep, extra = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(
            f"--variant takes NAME=ARGS (e.g. 'bf16=--trainer.precision bf16-mixed'), got {text!r}"
        )
    return name.strip(), extra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True)
    parser.add_argument(
        "--variant",
        action="append",
        type=parse_variant,
        default=None,
        help="NAME=extra catgan fit arguments (repeatable; the first is the reference)",
    )
    parser.add_argument("--steps", type=int, default=250, help="training batches per measurement")
    parser.add_argument("--warmup", type=int, default=50, help="batches before the clock starts")
    parser.add_argument("--repeats", type=int, default=1, help="rounds over all variants")
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--out", default=None, help="folder for a JSON record of the measurement (catgan.runs format)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args, extra = parser.parse_known_args()
    extra = [a for a in extra if a != "--"]
    if not os.path.isfile(args.config):
        raise SystemExit(f"step_time: no config file {args.config!r}.")
    if not 0 <= args.warmup < args.steps:
        raise SystemExit(f"step_time: --warmup ({args.warmup}) must be below --steps ({args.steps}).")
    if args.child:
        child(args.config, args.steps, args.warmup, args.data_dir, extra)
        return
    variants = args.variant or [("default", "")]
    times = {name: [] for name, _ in variants}
    for _ in range(args.repeats):
        for name, variant in variants:
            times[name].append(measure(args.config, args.steps, args.warmup, args.data_dir, variant))
    timed = min(t[2] for ts in times.values() for t in ts)  # fewer than --steps - --warmup when an epoch is shorter
    print(f"{args.config}: {timed} timed steps per measurement, {args.repeats} round(s), one thread")
    print(f"{'variant':34s} {'wall ms/step':>12s} {'CPU ms/step':>12s} {'CPU speed-up':>12s}")
    reference, rows = None, []
    for name, variant in variants:
        wall = statistics.median(t[0] for t in times[name])
        cpu = statistics.median(t[1] for t in times[name])
        reference = reference or cpu
        print(f"{name:34s} {wall:12.1f} {cpu:12.1f} {reference / cpu:11.2f}x")
        rows.append(
            {"variant": name, "overrides": shlex.split(variant), "wall_ms": round(wall, 1), "cpu_ms": round(cpu, 1)}
        )
    if args.out:
        write_step_record(args, rows, timed)


def write_step_record(args: argparse.Namespace, rows: List[dict], timed: int) -> None:
    """One JSON record of the measurement: config and its blob hash, the settings, each variant's times."""
    from catgan.runs import config_sha, new_record_name, relative, versions, write_record

    record = {
        "config": relative(args.config),
        "config_sha": config_sha(args.config),
        "steps": args.steps,
        "warmup": args.warmup,
        "timed_steps": timed,
        "repeats": args.repeats,
        "threads": 1,
        "variants": rows,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "versions": versions(),
        "command": "python scripts/step_time.py " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
    }
    stem = os.path.splitext(os.path.basename(args.config))[0]
    print(f"step_time: wrote {write_record(record, args.out, new_record_name(args.out, f'{stem}_step_time'))}")


if __name__ == "__main__":
    main()
