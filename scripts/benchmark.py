"""Speed of the CatGAN module under the Lightning Trainer against a plain PyTorch loop doing the same work.

    python scripts/benchmark.py                       # random MNIST-shaped data, 1 thread
    python scripts/benchmark.py --compile             # torch.compile on both sides (warm-up reported)
    python scripts/benchmark.py --data-dir data       # real MNIST if data/MNIST/raw holds it

Both sides train the PI-MNIST networks of the paper's semi-supervised MNIST model, built with
``catgan.nets``: D 784-1000-500-250-250-250-10 (batch norm, leaky ReLU 0.1, Gaussian noise 0.3) and G
128-500-500-1000-784 (batch norm, sigmoid), Adam 2e-4 with betas (0.5, 0.999), batches of 100 unlabeled
+ 100 labeled real examples and 100 generated ones. The plain loop (``catgan.plain_loop``) does what
``AdversarialModule`` does per batch: one D step (real batch through D updating batch-norm statistics, generated
and labeled batches with frozen statistics, since D has batch norm), then one G step with D's parameters frozen
and fresh latents; it reads batches from the same kind of in-memory loaders.

Timing is interleaved in one process: a single ``Trainer.fit`` runs; after every ``--block`` Lightning
iterations a callback runs ``--block`` plain iterations, for ``--rounds`` rounds (the first round is
warm-up and not counted). An iteration's time runs from one batch's start to the next batch's start, so
it includes data fetching, hooks and logging. Reported: median ms per iteration of each side and their
ratio, for Lightning as the ``catgan`` CLI configures it (progress bar, a logger writing every
``log_every_n_steps``=10 steps; a CSV logger here) and bare (no progress bar, no logger). Then
data-loading throughput of the training loaders alone and the peak resident memory.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import os
import resource
import statistics
import sys
import tempfile
import time
from typing import Dict, List, Tuple

import lightning.pytorch as pl
import torch

from catgan import CatGAN
from catgan.data.base import BaseSemiSupervisedDataModule, Splits
from catgan.data.loaders import TensorBatchLoader
from catgan.nets import MLPDiscriminator, MLPGenerator
from catgan.plain_loop import PlainLoop

LATENT_DIM, BATCH, NUM_LABELED = 128, 100, 100


class TensorDataModule(BaseSemiSupervisedDataModule):
    """In-memory MNIST-shaped data: (N, 784) floats in [0, 1] with labels 0..9 (random unless given)."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, **kwargs) -> None:
        self.x, self.y = x, y
        super().__init__(**kwargs)

    @property
    def image_shape(self) -> Tuple[int, ...]:
        return tuple(self.x.shape[1:])

    @property
    def num_classes(self) -> int:
        return 10

    def load_splits(self) -> Splits:
        return Splits(self.x, self.y, self.x[:1000], self.y[:1000], self.x[:1000], self.y[:1000])


def make_data(data_dir: str, n: int = 60000) -> Tuple[torch.Tensor, torch.Tensor, str]:
    if data_dir:
        from catgan.data import MNISTDataModule

        dm = MNISTDataModule(data_dir=data_dir, num_labeled=0, flatten=True, val_size=0)
        dm.setup()
        return dm.splits.train_x, dm.splits.train_y, f"MNIST from {data_dir}"
    g = torch.Generator().manual_seed(0)
    return torch.rand(n, 784, generator=g), torch.randint(0, 10, (n,), generator=g), "random 60000x784"


def networks() -> Tuple[MLPGenerator, MLPDiscriminator]:
    g = MLPGenerator(LATENT_DIM, (784,), hidden=(500, 500, 1000), batch_norm=True, output="sigmoid")
    d = MLPDiscriminator(
        (784,), 10, hidden=(1000, 500, 250, 250, 250), noise_std=0.3, batch_norm=True, negative_slope=0.1
    )
    return g, d


class Interleave(pl.Callback):
    """Records Lightning's per-iteration times; every ``block`` batches runs ``block`` plain iterations."""

    def __init__(self, plain: PlainLoop, block: int) -> None:
        self.plain, self.block = plain, block
        self.lightning: List[List[float]] = [[]]
        self.plain_times: List[List[float]] = []
        self._last = None

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.lightning[-1].append(now - self._last)
        self._last = now

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if (batch_idx + 1) % self.block == 0:
            self.lightning[-1].append(time.perf_counter() - self._last)  # the block's last iteration, up to here
            self.plain_times.append(self.plain.block(self.block))
            self.lightning.append([])
            self._last = None  # the next diff would span the plain block


def run_interleaved(x, y, rounds: int, block: int, compile: bool, cli_like: bool) -> Dict[str, object]:
    pl.seed_everything(0, verbose=False)
    g, d = networks()
    dm = TensorDataModule(x, y, num_labeled=NUM_LABELED, batch_size=BATCH, labeled_batch_size=BATCH)
    dm.setup()
    labeled = dm.labeled_indices
    plain = PlainLoop(
        g,
        d,
        TensorBatchLoader(x, batch_size=BATCH, shuffle=True, drop_last=True, seed=10),
        TensorBatchLoader(x[labeled], y[labeled], batch_size=BATCH, shuffle=True, drop_last=True, seed=11),
        compile,
    )
    model = CatGAN(
        image_shape=(784,),
        num_classes=10,
        supervised_weight=1.0,
        latent_dim=LATENT_DIM,
        generator=copy.deepcopy(g),
        discriminator=copy.deepcopy(d),
        lr_d=2e-4,
        lr_g=2e-4,
        betas=(0.5, 0.999),
        compile=compile,
    )
    interleave = Interleave(plain, block)
    with tempfile.TemporaryDirectory() as tmp:
        logger = pl.loggers.CSVLogger(tmp) if cli_like else False
        trainer = pl.Trainer(
            max_epochs=1,
            limit_train_batches=rounds * block,
            limit_val_batches=0,
            num_sanity_val_steps=0,
            logger=logger,
            log_every_n_steps=10,
            enable_progress_bar=cli_like,
            enable_model_summary=False,
            enable_checkpointing=False,
            callbacks=[interleave],
            default_root_dir=tmp,
        )
        started = time.perf_counter()
        trainer.fit(model, datamodule=dm)
        total = time.perf_counter() - started
    lightning = [t for block_times in interleave.lightning[1:] for t in block_times]  # round 0 is warm-up
    plain_times = [t for block_times in interleave.plain_times[1:] for t in block_times]
    per_round = [
        statistics.median(a) / statistics.median(b)
        for a, b in zip(interleave.lightning[1:], interleave.plain_times[1:])
        if a and b
    ]
    return {
        "lightning_ms": 1000 * statistics.median(lightning),
        "plain_ms": 1000 * statistics.median(plain_times),
        "ratio": statistics.median(lightning) / statistics.median(plain_times),
        "round_ratios": per_round,
        "warmup_lightning_s": sum(interleave.lightning[0]),
        "warmup_plain_s": sum(interleave.plain_times[0]),
        "n": len(lightning),
        "fit_s": total,
    }


def loader_throughput(dm: BaseSemiSupervisedDataModule, batches: int) -> float:
    """Training batches per second of ``dm``'s CombinedLoader (unlabeled + cycled labeled) alone."""
    dm.setup()
    loader = dm.train_dataloader()
    served, start = 0, time.perf_counter()
    while served < batches:
        for _ in loader:
            served += 1
            if served >= batches:
                break
    return served / (time.perf_counter() - start)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def load_average() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def main(argv=None) -> Dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6, help="interleaved rounds (the first is warm-up)")
    parser.add_argument("--block", type=int, default=20, help="iterations per block")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch.set_num_threads (1: on a shared 2-core box, 2 "
        "threads measured 5-10x slower, OpenMP threads waiting on descheduled peers)",
    )
    parser.add_argument("--compile", action="store_true", help="torch.compile both networks on both sides")
    parser.add_argument("--data-dir", default="", help="folder holding MNIST/raw (default: random data)")
    parser.add_argument("--modes", nargs="+", default=["cli", "bare"], choices=["cli", "bare"])
    args = parser.parse_args(argv)
    if args.rounds < 2 or args.block < 2:
        raise ValueError("--rounds and --block must be >= 2 (the first round is warm-up).")
    torch.set_num_threads(args.threads)
    x, y, source = make_data(args.data_dir)
    rss_data = peak_rss_mb()
    results = {}
    for mode in args.modes:
        results[mode] = run_interleaved(x, y, args.rounds, args.block, args.compile, cli_like=mode == "cli")
    from catgan.data import DigitsDataModule

    digits = loader_throughput(DigitsDataModule(num_labeled=50), 2000)
    tensors = loader_throughput(
        TensorDataModule(x, y, num_labeled=NUM_LABELED, batch_size=BATCH, labeled_batch_size=BATCH), 2000
    )
    print(f"\n$ python scripts/benchmark.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    print(
        f"\ncatgan benchmark {datetime.datetime.now().isoformat(timespec='seconds')}: torch {torch.__version__}, "
        f"lightning {pl.__version__}, {args.threads} thread(s), data {source}, compile={args.compile}, "
        f"{args.rounds - 1} timed rounds x {args.block} iterations per side, load average {load_average()}"
    )
    print(f"{'setting':<34} {'Lightning ms/it':>15} {'plain ms/it':>12} {'ratio':>7} {'ratio per round':>30}")
    names = {"cli": "Lightning as the CLI (pbar, logger)", "bare": "Lightning bare (no pbar/logger)"}
    for mode, r in results.items():
        rounds = " ".join(f"{v:.3f}" for v in r["round_ratios"])
        print(f"{names[mode]:<34} {r['lightning_ms']:>15.1f} {r['plain_ms']:>12.1f} {r['ratio']:>7.3f} {rounds:>30}")
        if args.compile:
            print(
                f"{'':<34} warm-up (first {args.block} its incl. compile): Lightning {r['warmup_lightning_s']:.1f} s,"
                f" plain {r['warmup_plain_s']:.1f} s"
            )
    print(
        f"training loader alone: DigitsDataModule {digits:,.0f} batches/s; 60000x784 tensor module "
        f"{tensors:,.0f} batches/s (100 unlabeled + 100 labeled)"
    )
    print(f"peak RSS: {peak_rss_mb():.0f} MB (after making the data: {rss_data:.0f} MB)")
    return {
        "results": results,
        "digits_batches_per_s": digits,
        "tensor_batches_per_s": tensors,
        "peak_rss_mb": peak_rss_mb(),
    }


if __name__ == "__main__":
    main()
