"""Image files on disk for ``catgan.data.SemiSupervisedDataModule``: finding, labelling and decoding them.

- labeled images: a folder in torchvision's ``ImageFolder`` layout (``root/<class name>/**/<image>``),
  or a CSV file of ``path,label`` rows (paths relative to the CSV's folder; a ``path,label`` header
  line is optional);
- unlabeled images: every image file under a folder, at any depth.

Every error names the option and the file it is about, so a bad folder fails before training starts.
"""

from __future__ import annotations

import csv
import os
from typing import List, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".ppm", ".pgm", ".tif", ".tiff", ".webp")
ImageSize = Union[int, Sequence[int], None]


def require_path(path: str, option: str) -> str:
    """``path`` if it exists, else a FileNotFoundError naming the option."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{option}: {path!r} does not exist (resolved to {os.path.abspath(path)}).")
    return path


def is_image_file(name: str) -> bool:
    return not name.startswith(".") and name.lower().endswith(IMAGE_EXTENSIONS)


def list_images(folder: str, option: str) -> List[str]:
    """Every image file under ``folder`` (recursive, sorted); an error if there is none."""
    require_path(folder, option)
    if not os.path.isdir(folder):
        raise NotADirectoryError(f"{option}: {folder!r} is not a folder.")
    paths = []
    for parent, dirs, files in os.walk(folder, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        paths += [os.path.join(parent, f) for f in sorted(files) if is_image_file(f)]
    if not paths:
        raise ValueError(f"{option}: no image files ({', '.join(IMAGE_EXTENSIONS)}) under {folder!r}.")
    return paths


def read_class_folders(root: str, option: str) -> Tuple[List[str], List[str]]:
    """(image paths, class names) from ``root/<class name>/**/<image>`` (torchvision ImageFolder layout)."""
    require_path(root, option)
    class_dirs = sorted(e.name for e in os.scandir(root) if e.is_dir() and not e.name.startswith("."))
    if not class_dirs:
        raise ValueError(
            f"{option}: {root!r} has no class sub-folders. Lay labeled images out as {root}/<class name>/<image> "
            f"(torchvision ImageFolder layout), or give a CSV file of path,label rows instead."
        )
    paths: List[str] = []
    names: List[str] = []
    for name in class_dirs:
        folder = os.path.join(root, name)
        try:
            found = list_images(folder, option)
        except ValueError:
            raise ValueError(
                f"{option}: class folder {folder!r} holds no images: every class needs at least one "
                f"labeled example (add images or remove the folder)."
            ) from None
        paths += found
        names += [name] * len(found)
    return paths, names


def read_labels_csv(csv_path: str, option: str) -> Tuple[List[str], List[str]]:
    """(image paths, labels as written) from a CSV of ``path,label`` rows."""
    base = os.path.dirname(os.path.abspath(csv_path))
    paths: List[str] = []
    names: List[str] = []
    with open(csv_path, newline="") as f:
        for line, row in enumerate(csv.reader(f), start=1):
            row = [field.strip() for field in row]
            if not row or not any(row):
                continue
            if line == 1 and [field.lower() for field in row] == ["path", "label"]:
                continue
            if len(row) != 2 or not row[0] or not row[1]:
                raise ValueError(f"{option}: {csv_path}, line {line}: expected 'path,label', got {','.join(row)!r}.")
            path = row[0] if os.path.isabs(row[0]) else os.path.join(base, row[0])
            if not os.path.isfile(path):
                raise FileNotFoundError(f"{option}: {csv_path}, line {line}: image {path!r} does not exist.")
            paths.append(path)
            names.append(row[1])
    if not paths:
        raise ValueError(f"{option}: {csv_path!r} lists no images (expected rows of path,label).")
    return paths, names


def read_labeled_images(source: str, option: str) -> Tuple[List[str], List[str]]:
    """(paths, labels as written) from a class-folder tree or a ``.csv`` file."""
    require_path(source, option)
    if os.path.isdir(source):
        return read_class_folders(source, option)
    if source.lower().endswith(".csv"):
        return read_labels_csv(source, option)
    raise ValueError(f"{option}: {source!r} is neither a folder of class sub-folders nor a .csv file of path,label.")


def open_image(path: str, grayscale: bool, option: str):
    """The PIL image at ``path`` in mode ``L`` or ``RGB``; a ValueError naming the file if unreadable."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            return image.convert("L" if grayscale else "RGB")
    except Exception as error:  # PIL raises UnidentifiedImageError, OSError, SyntaxError, ...
        raise ValueError(
            f"{option}: cannot read image {path!r} ({type(error).__name__}: {error}). Fix or remove the file."
        ) from None


def check_image_size(image_size: ImageSize) -> Optional[Tuple[int, ...]]:
    """``image_size`` as () / (side,) / (height, width); an error for anything else."""
    if image_size is None:
        return None
    size = (int(image_size),) if isinstance(image_size, int) else tuple(int(s) for s in image_size)
    if len(size) not in (1, 2) or min(size) < 1:
        raise ValueError(f"image_size must be a positive int or [height, width], got {image_size!r}.")
    return size


def resize(image, size: Optional[Tuple[int, ...]]):
    """One side: shorter side to ``side``, then a centre crop to ``side x side``; two: exactly (h, w)."""
    from torchvision.transforms import functional as TF

    if size is None:
        return image
    if len(size) == 1:
        return TF.center_crop(TF.resize(image, list(size)), list(size * 2))
    return TF.resize(image, list(size))


def image_shape_of(path: str, grayscale: bool, size: Optional[Tuple[int, ...]], option: str) -> Tuple[int, int, int]:
    """(C, H, W) that ``path`` will have after ``resize``: read from the file when no size is given."""
    channels = 1 if grayscale else 3
    if size is not None:
        return (channels, size[0], size[0]) if len(size) == 1 else (channels, size[0], size[1])
    width, height = open_image(path, grayscale, option).size
    return channels, height, width


def load_images(
    paths: Sequence[str], shape: Tuple[int, int, int], grayscale: bool, size: Optional[Tuple[int, ...]], option: str
) -> Tensor:
    """Decode ``paths`` into (N, C, H, W) floats in [0, 1]; every image must come out as ``shape``."""
    from torchvision.transforms import functional as TF

    out = torch.empty((len(paths), *shape), dtype=torch.uint8)
    for i, path in enumerate(paths):
        pixels = TF.pil_to_tensor(resize(open_image(path, grayscale, option), size))  # (C, H, W) uint8
        if tuple(pixels.shape) != tuple(shape):
            raise ValueError(
                f"{option}: image {path!r} is {pixels.shape[2]}x{pixels.shape[1]} (WxH) but the first image is "
                f"{shape[2]}x{shape[1]}: images differ in size. Set image_size (e.g. --data.image_size {shape[1]}) "
                f"to resize them all to one size."
            )
        out[i] = pixels
    return out.float().div_(255.0)
