"""catgan/data/arrays.py: arrays, .npy/.npz files and torch data sets to tensors, with errors naming the option."""

import numpy as np
import pytest
import torch
from PIL import Image

from catgan.data.arrays import as_float_images, as_labels, dataset_tensors, load_array, read_npz


def test_uint8_images_are_scaled_by_one_over_255_and_numbers_kept():
    pixels = np.array([[[0, 51, 255]]], dtype=np.uint8)  # (1, 1, 3)
    torch.testing.assert_close(as_float_images(pixels, "x"), torch.tensor([[[0.0, 0.2, 1.0]]]))
    ints = as_float_images(torch.tensor([[3, 4]]), "x")
    assert ints.dtype == torch.float32 and ints.tolist() == [[3.0, 4.0]]


@pytest.mark.parametrize(
    "value, message",
    [
        (np.zeros(5), r"x: expected an array of shape \(N, \.\.\.\) with N >= 1, got shape \(5,\)"),
        (np.zeros((0, 3)), r"got shape \(0, 3\)"),
        (np.array([[True, False]]), "x: expected numbers, got dtype torch.bool"),
        (np.array([["a", "b"]]), "x: expected numbers, got an array of <U1"),
    ],
)
def test_bad_images_are_refused_naming_the_option(value, message):
    with pytest.raises(ValueError, match=message):
        as_float_images(value, "x")


def test_labels_are_whole_numbers_one_per_example():
    assert as_labels(np.array([1.0, -1.0, 2.0]), "y", 3).tolist() == [1, -1, 2]
    with pytest.raises(ValueError, match=r"y: expected 2 labels \(one per example, shape \(2,\)\), got shape \(3,\)"):
        as_labels([0, 1, 2], "y", 2)
    with pytest.raises(ValueError, match="y: labels must be whole numbers"):
        as_labels([0.5, 1.0], "y", 2)


def test_npy_and_npz_files_load_and_unknown_names_are_refused(tmp_path):
    np.save(tmp_path / "x.npy", np.arange(6).reshape(2, 3))
    assert load_array(str(tmp_path / "x.npy"), "x").tolist() == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match="is not a .npy file"):
        load_array(str(tmp_path / "x.txt"), "x")
    with pytest.raises(FileNotFoundError, match="x: .*missing.npy' does not exist"):
        load_array(str(tmp_path / "missing.npy"), "x")
    np.savez(tmp_path / "d.npz", x=np.ones((2, 3)), y=np.array([0, 1]))
    arrays = read_npz(str(tmp_path / "d.npz"))
    assert arrays["y"].tolist() == [0, 1] and arrays["val_x"] is None and arrays["x"].shape == (2, 3)
    np.savez(tmp_path / "bad.npz", images=np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"holds arrays \['images'\] with unknown names"):
        read_npz(str(tmp_path / "bad.npz"))


def test_a_data_set_of_pil_images_becomes_tensors_in_0_1():
    items = [(Image.fromarray(np.full((2, 2), v, dtype=np.uint8)), k) for k, v in enumerate((0, 255, 51))]
    x, y = dataset_tensors(items, "data", with_labels=True)
    assert x.shape == (3, 1, 2, 2) and y.tolist() == [0, 1, 2]
    torch.testing.assert_close(x[:, 0, 0, 0], torch.tensor([0.0, 1.0, 0.2]))
    unlabeled, none = dataset_tensors([torch.zeros(1, 2, 2)], "data", with_labels=False)
    assert none is None and unlabeled.shape == (1, 1, 2, 2)


def test_data_set_refusals_name_the_fix():
    with pytest.raises(ValueError, match="non-empty map-style data set"):
        dataset_tensors([], "data", with_labels=False)
    with pytest.raises(ValueError, match=r"item 0 is a Tensor; a labeled data set yields \(image, label\)"):
        dataset_tensors([torch.zeros(1, 2, 2)], "data", with_labels=True)
    with pytest.raises(ValueError, match="item 1 has shape .* give images of one size"):
        dataset_tensors([torch.zeros(1, 2, 2), torch.zeros(1, 3, 3)], "data", with_labels=False)
