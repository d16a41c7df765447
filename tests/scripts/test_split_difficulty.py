"""scripts/split_difficulty.py: a record's label split rebuilt as its run drew it (features: tests/test_split_features.py)."""

import numpy as np

from tests.conftest import load_script

split_difficulty = load_script("split_difficulty")


def test_load_split_gives_the_labels_a_digits_run_trains_on():
    from catgan.data import DigitsDataModule

    x, y, labeled, k = split_difficulty.load_split(("digits", 100, 200, False, 3))
    dm = DigitsDataModule(num_labeled=100, seed=3)
    dm.setup()
    assert k == 10 and x.shape == (1097, 64)
    np.testing.assert_array_equal(labeled, dm.labeled_indices.numpy())
    np.testing.assert_array_equal(np.bincount(y[labeled]), np.full(10, 10))
