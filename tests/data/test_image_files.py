"""catgan/data/image_files.py: finding, labelling and decoding image files, each error naming option and file."""

import numpy as np
import pytest
import torch
from PIL import Image

from catgan.data.image_files import (
    check_image_size,
    image_shape_of,
    list_images,
    load_images,
    read_labeled_images,
)


def write_image(path, value, size=(3, 2), mode="L"):
    path.parent.mkdir(parents=True, exist_ok=True)
    shape = (size[1], size[0]) if mode == "L" else (size[1], size[0], 3)
    Image.fromarray(np.full(shape, value, dtype=np.uint8)).save(path)
    return str(path)


def test_list_images_is_recursive_sorted_and_skips_hidden_and_other_files(tmp_path):
    b = write_image(tmp_path / "sub" / "b.png", 0)
    a = write_image(tmp_path / "a.PNG", 0)
    write_image(tmp_path / ".hidden.png", 0)
    (tmp_path / "notes.txt").write_text("x")
    assert list_images(str(tmp_path), "unlabeled") == [a, b]
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="unlabeled: no image files .* under"):
        list_images(str(tmp_path / "empty"), "unlabeled")
    with pytest.raises(NotADirectoryError, match="unlabeled: .* is not a folder"):
        list_images(a, "unlabeled")


def test_class_folders_and_csv_rows_give_paths_and_labels(tmp_path):
    cat = write_image(tmp_path / "tree" / "cat" / "1.png", 0)
    dog = write_image(tmp_path / "tree" / "dog" / "deep" / "2.png", 0)
    assert read_labeled_images(str(tmp_path / "tree"), "labeled") == ([cat, dog], ["cat", "dog"])
    (tmp_path / "labels.csv").write_text("path,label\ntree/cat/1.png,7\n\ntree/dog/deep/2.png,3\n")
    paths, labels = read_labeled_images(str(tmp_path / "labels.csv"), "labeled")
    assert labels == ["7", "3"] and [p.endswith(s) for p, s in zip(paths, ("1.png", "2.png"))] == [True, True]


@pytest.mark.parametrize(
    "text, error, message",
    [
        ("tree/cat/1.png\n", ValueError, "labels.csv, line 1: expected 'path,label'"),
        ("tree/cat/9.png,1\n", FileNotFoundError, "labels.csv, line 1: image .* does not exist"),
        ("path,label\n", ValueError, "lists no images"),
    ],
)
def test_bad_csv_rows_name_the_line(tmp_path, text, error, message):
    write_image(tmp_path / "tree" / "cat" / "1.png", 0)
    (tmp_path / "labels.csv").write_text(text)
    with pytest.raises(error, match=message):
        read_labeled_images(str(tmp_path / "labels.csv"), "labeled")


def test_a_class_folder_without_images_and_a_tree_without_classes_are_refused(tmp_path):
    (tmp_path / "tree" / "cat").mkdir(parents=True)
    with pytest.raises(ValueError, match="class folder .*cat' holds no images"):
        read_labeled_images(str(tmp_path / "tree"), "labeled")
    (tmp_path / "flat").mkdir()
    with pytest.raises(ValueError, match="has no class sub-folders"):
        read_labeled_images(str(tmp_path / "flat"), "labeled")
    with pytest.raises(ValueError, match="neither a folder of class sub-folders nor a .csv"):
        read_labeled_images(write_image(tmp_path / "one.png", 0), "labeled")


def test_images_decode_to_0_1_and_sizes_are_checked(tmp_path):
    grey = write_image(tmp_path / "a.png", 51, size=(3, 2))
    assert image_shape_of(grey, True, None, "x") == (1, 2, 3)  # (C, H, W) read from the file
    assert image_shape_of(grey, False, (4,), "x") == (3, 4, 4)
    x = load_images([grey], (1, 2, 3), True, None, "x")
    torch.testing.assert_close(x, torch.full((1, 1, 2, 3), 0.2))
    other = write_image(tmp_path / "b.png", 0, size=(5, 5))
    with pytest.raises(ValueError, match=r"b.png' is 5x5 \(WxH\) but the first image is 3x2.*Set image_size"):
        load_images([grey, other], (1, 2, 3), True, None, "x")
    square = load_images([grey, other], (1, 2, 2), True, check_image_size(2), "x")  # resized and centre-cropped
    assert square.shape == (2, 1, 2, 2)


def test_image_size_is_a_side_or_height_and_width_and_unreadable_files_are_named(tmp_path):
    assert (check_image_size(None), check_image_size(8), check_image_size([4, 6])) == (None, (8,), (4, 6))
    for bad in (0, [1, 2, 3]):
        with pytest.raises(ValueError, match="image_size must be a positive int or"):
            check_image_size(bad)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    with pytest.raises(ValueError, match="x: cannot read image .*broken.png.*Fix or remove the file"):
        image_shape_of(str(broken), True, None, "x")
