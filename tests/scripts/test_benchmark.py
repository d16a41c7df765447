"""scripts/benchmark.py: the interleaved timing counts each side's iterations in its own rounds (the plain loop's
updates: tests/test_plain_loop.py)."""

import pytest

from tests.conftest import load_script

benchmark = load_script("benchmark")


class CountingLoop:
    """Stands in for PlainLoop: each block returns one time per iteration (1 ms) and is counted."""

    def __init__(self):
        self.blocks = []

    def block(self, n):
        self.blocks.append(n)
        return [0.001] * n


def test_interleave_alternates_blocks_and_times_every_lightning_iteration():
    plain = CountingLoop()
    interleave = benchmark.Interleave(plain, block=3)
    for batch_idx in range(6):  # two rounds of three Lightning iterations
        interleave.on_train_batch_start(None, None, None, batch_idx)
        interleave.on_train_batch_end(None, None, None, None, batch_idx)
    assert plain.blocks == [3, 3]  # a plain block after every third batch
    assert [len(times) for times in interleave.lightning] == [3, 3, 0]  # a round's 3 iterations, none spanning a block
    assert interleave.plain_times == [[0.001] * 3, [0.001] * 3]


def test_too_few_rounds_is_refused_before_any_work():
    with pytest.raises(ValueError, match="--rounds and --block must be >= 2"):
        benchmark.main(["--rounds", "1"])
