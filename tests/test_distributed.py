"""Beyond one process: DDP on CPU with gloo through the CLI, and the marginal entropy over all ranks."""

import os
import subprocess
import sys

import pytest
import torch
import torch.multiprocessing as mp

from catgan.distributed import all_gather_batch, broadcast_module_state
from catgan.losses import catgan_discriminator_loss, catgan_generator_loss, marginal_entropy
from tests.conftest import CONFIGS, REPO


def _entropy_on_rank(rank, world, logits, fake):
    shard = logits.chunk(world)[rank].clone().requires_grad_(True)
    loss, parts = catgan_discriminator_loss(
        shard, fake.chunk(world)[rank], marginal_logits_real=all_gather_batch(shard)
    )
    loss.backward()
    g_loss, g_parts = catgan_generator_loss(fake.chunk(world)[rank], all_gather_batch(fake.chunk(world)[rank]))
    return parts["marginal_entropy_real"].item(), g_parts["marginal_entropy_fake"].item(), shard.grad.clone()


def _broadcast_on_rank(rank):
    from catgan.nets import WeightNormMLPDiscriminator

    torch.manual_seed(0)  # the same directions on both ranks, as after DDP's broadcast at wrap time
    d = WeightNormMLPDiscriminator((6,), 3, hidden=(5,), batch_norm=False, data_init_noise=True)
    torch.manual_seed(100 + rank)  # each rank its own batch and noise: different data-dependent inits
    d.initialize_from_data(torch.rand(16, 6) * (rank + 1))
    before = [t.clone() for t in d.state_dict().values()]
    broadcast_module_state(d)
    return before, [t.clone() for t in d.state_dict().values()]


def _worker(rank, world, port, logits, fake, results):
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        results[("entropy", rank)] = _entropy_on_rank(rank, world, logits, fake)
        results[("broadcast", rank)] = _broadcast_on_rank(rank)
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope="module")
def two_ranks():
    """One gloo group of two processes (spawning costs seconds) running every collective check of this file."""
    torch.manual_seed(0)
    logits, fake = torch.randn(8, 5) * 2, torch.randn(6, 5)
    results = mp.Manager().dict()
    mp.spawn(_worker, args=(2, 29517, logits, fake, results), nprocs=2, join=True)
    return logits, fake, dict(results)


@pytest.mark.slow
def test_marginal_entropy_over_two_ranks_equals_the_concatenated_batch(two_ranks):
    logits, fake, all_results = two_ranks
    results = {rank: all_results[("entropy", rank)] for rank in (0, 1)}
    whole = marginal_entropy(logits).item()
    assert abs(results[0][0] - whole) < 1e-6 and abs(results[1][0] - whole) < 1e-6
    assert abs(results[0][1] - marginal_entropy(fake).item()) < 1e-6
    # gradients: each rank's shard gets the gradient of the global marginal (times the world size,
    # which DDP's gradient averaging divides out) plus its local conditional-entropy term
    reference = logits.clone().requires_grad_(True)
    from catgan.losses import conditional_entropy

    (-marginal_entropy(reference) * 2 + conditional_entropy(reference[:4])).backward()
    assert torch.allclose(results[0][2], reference.grad[:4], atol=1e-5)


@pytest.mark.slow
def test_ddp_fit_on_cpu_through_the_cli(tmp_path):
    env = {**os.environ, "PYTHONPATH": REPO, "OMP_NUM_THREADS": "1"}
    args = [
        "fit",
        "--config",
        os.path.join(CONFIGS, "digits_catgan.yaml"),
        "--trainer.strategy",
        "ddp",
        "--trainer.devices",
        "2",
        "--trainer.accelerator",
        "cpu",
        "--trainer.max_epochs",
        "1",
        "--trainer.limit_train_batches",
        "3",
        "--trainer.logger",
        "false",
        "--trainer.enable_progress_bar",
        "false",
        "--model.init_args.marginal_over_ranks",
        "true",
        "--trainer.default_root_dir",
        str(tmp_path),
        "--checkpoint.dirpath",
        str(tmp_path / "ckpt"),
    ]
    process = subprocess.run(
        [sys.executable, "-m", "catgan.cli", *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert process.returncode == 0, process.stderr[-3000:]
    assert "fit finished" in process.stdout and "(6 optimizer steps)" in process.stdout
    assert "test/acc" in process.stdout
    assert (tmp_path / "ckpt" / "last.ckpt").exists()


@pytest.mark.slow
def test_broadcast_module_state_gives_every_rank_rank_zeros_init(two_ranks):
    (before0, after0), (before1, after1) = two_ranks[2][("broadcast", 0)], two_ranks[2][("broadcast", 1)]
    assert any(not torch.equal(a, b) for a, b in zip(before0, before1))  # the inits differed
    assert all(torch.equal(a, b) for a, b in zip(after1, before0))  # rank 1 now holds rank 0's state
    assert all(torch.equal(a, b) for a, b in zip(after0, before0))  # rank 0 unchanged
    model = torch.nn.Linear(2, 2)
    state = [t.clone() for t in model.state_dict().values()]
    broadcast_module_state(model)  # one process: nothing happens
    assert all(torch.equal(a, b) for a, b in zip(state, model.state_dict().values()))
