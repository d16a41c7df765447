"""Bring your own data: ``catgan.data.SemiSupervisedDataModule`` from arrays, torch data sets or image folders.

Give exactly one kind of source (Python or YAML, no data module to write):

- arrays: ``x`` (N, ...) and ``y`` (N,) with ``-1`` for unlabeled examples, as tensors, NumPy arrays
  or ``.npy`` paths, optionally ``val_x``/``val_y`` and ``test_x``/``test_y``; or ``npz``: one ``.npz``
  archive holding arrays named ``x``, ``y`` (and optionally ``val_x``, ``val_y``, ``test_x``, ``test_y``);
- torch data sets: ``labeled`` (yields ``(image, label)``), ``unlabeled`` (yields images, or tuples
  whose first item is the image), optionally ``val`` and ``test``;
- image files: ``labeled_images`` (a folder in torchvision ImageFolder layout, ``root/<class>/<image>``,
  or a ``.csv`` of ``path,label`` rows), ``unlabeled_images`` (a folder of images at any depth),
  optionally ``val_images`` and ``test_images`` (same forms as ``labeled_images``).

All labeled training images also serve as unlabeled data. ``num_labeled=None`` (the default) shows
the model every training label; an integer picks that many, balanced across classes with ``seed``
(the other labels are hidden), so one labeled data set plus ``num_labeled`` is a classic benchmark.

Validation and test data: when ``val``/``test`` data are not given, they are held out from the
labeled training examples (never from the unlabeled ones), stratified by class and fixed by
``split_seed``: first the test split, then the validation split from the rest. ``val_size`` and
``test_size`` are fractions of the labeled examples (at least one example per class) or counts;
held-out images are removed from the training data, labeled and unlabeled streams alike.

Everything is known at construction (labels, class set, ``image_shape``, ``num_classes``) so the CLI
can link them into the networks; arrays and data sets are read then, image files are listed then
(only the first image is opened, for its size) and decoded in ``setup``. Images become (C, H, W)
floats in [0, 1]: RGB, or one channel with ``grayscale``; ``image_size`` resizes them to one size.
Bad input (missing paths, empty folders, unreadable images, labels outside the classes, a class
without labeled examples, images of mixed sizes with no ``image_size``) raises an error naming the
option and the file before training starts.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor
from torch.utils.data import Dataset

from catgan.data import image_files
from catgan.data.arrays import ArrayLike, as_float_images, as_labels, dataset_tensors, load_array, read_npz
from catgan.data.base import BaseSemiSupervisedDataModule, Splits, balanced_label_indices

Items = Union[Tensor, List[str]]  # images in memory, or image file paths decoded in setup
Part = Tuple[Items, Tensor]  # (items, labels (N,) int64, -1 = unlabeled)
NO_SOURCE = (
    "SemiSupervisedDataModule needs data: give arrays (x and y, or npz), torch data sets (labeled and/or "
    "unlabeled), or image files (labeled_images and/or unlabeled_images); or subclass it and override "
    "image_shape, num_classes and load_splits."
)


class SemiSupervisedDataModule(BaseSemiSupervisedDataModule):
    """Semi-supervised data from your own arrays, data sets or image files (see the module docstring).

    Args (the first five as in ``BaseSemiSupervisedDataModule``; ``num_labeled=None`` = every label):
        x, y, val_x, val_y, test_x, test_y, npz: arrays (``y == -1``: unlabeled; uint8 ``x`` is scaled by 1/255).
        labeled, unlabeled, val, test: torch data sets (PIL images, arrays or tensors).
        labeled_images, unlabeled_images, val_images, test_images: image folders / CSV files.
        image_size: ``side`` (shorter side resized to it, then a centre crop to side x side) or
            ``[height, width]`` (resized exactly); None keeps the files' size, which must then agree.
        grayscale: one channel instead of RGB.
        num_classes: the class count (default: read from the labels; needed when no label is given).
        classes: class names in index order (default: sorted folder names / CSV labels; integer CSV
            labels are class indices). Read back as ``class_names``.
        val_size, test_size: held out from the labeled examples when no val/test data are given.
        split_seed: seed of that hold-out.
        labeled_shift, unlabeled_shift: random translations of training images, in pixels (base class).
    """

    def __init__(
        self,
        num_labeled: Optional[int] = None,
        seed: int = 0,
        batch_size: int = 100,
        labeled_batch_size: int = 50,
        eval_batch_size: int = 500,
        *,
        x: ArrayLike = None,
        y: ArrayLike = None,
        val_x: ArrayLike = None,
        val_y: ArrayLike = None,
        test_x: ArrayLike = None,
        test_y: ArrayLike = None,
        npz: Optional[str] = None,
        labeled: Optional[Dataset] = None,
        unlabeled: Optional[Dataset] = None,
        val: Optional[Dataset] = None,
        test: Optional[Dataset] = None,
        labeled_images: Optional[str] = None,
        unlabeled_images: Optional[str] = None,
        val_images: Optional[str] = None,
        test_images: Optional[str] = None,
        image_size: Union[int, Sequence[int], None] = None,
        grayscale: bool = False,
        num_classes: Optional[int] = None,
        classes: Optional[List[str]] = None,
        val_size: Union[int, float] = 0.1,
        test_size: Union[int, float] = 0.1,
        split_seed: int = 0,
        labeled_shift: int = 0,
        unlabeled_shift: int = 0,
    ) -> None:
        shifts = dict(labeled_shift=labeled_shift, unlabeled_shift=unlabeled_shift)
        families = {
            "arrays": (x, y, val_x, val_y, test_x, test_y, npz),
            "data sets": (labeled, unlabeled, val, test),
            "image files": (labeled_images, unlabeled_images, val_images, test_images),
        }
        given = [name for name, values in families.items() if any(v is not None for v in values)]
        if len(given) > 1:
            raise ValueError(f"SemiSupervisedDataModule: give one kind of data source, got {' and '.join(given)}.")
        if not given:
            if type(self).load_splits is SemiSupervisedDataModule.load_splits:
                raise ValueError(NO_SOURCE)
            super().__init__(num_labeled, seed, batch_size, labeled_batch_size, eval_batch_size, **shifts)
            return  # a subclass that brings its own load_splits

        self.grayscale, self.image_size = grayscale, image_files.check_image_size(image_size)
        self.val_size, self.test_size, self.split_seed = val_size, test_size, split_seed
        if num_classes is not None and (not isinstance(num_classes, int) or num_classes < 1):
            raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}.")
        if classes is not None and num_classes is not None and len(classes) != num_classes:
            raise ValueError(f"classes has {len(classes)} names but num_classes={num_classes}: make them agree.")
        self.class_names: Optional[List[str]] = list(classes) if classes is not None else None
        self._num_classes = num_classes if num_classes is not None else (len(classes) if classes else None)
        self._num_classes_given = self._num_classes is not None

        parts: Dict[str, Optional[Part]]
        if given[0] == "arrays":
            parts = self._read_arrays(x, y, val_x, val_y, test_x, test_y, npz)
        elif given[0] == "data sets":
            parts = self._read_datasets(labeled, unlabeled, val, test)
        else:
            parts = self._read_image_files(labeled_images, unlabeled_images, val_images, test_images)
        self._check_every_class_has_a_label(parts["train"][1])
        self._parts = self._hold_out(parts)
        self._image_shape = self._read_image_shape()
        super().__init__(num_labeled, seed, batch_size, labeled_batch_size, eval_batch_size, **shifts)
        if num_labeled is not None:  # not enough labels per class: fail now, not when training starts
            balanced_label_indices(self._parts["train"][1], num_labeled, self.num_classes, seed)

    # -- the base class's interface -------------------------------------------------------------
    @property
    def image_shape(self) -> Tuple[int, ...]:
        return self._image_shape

    @property
    def num_classes(self) -> int:
        return self._num_classes

    def load_splits(self) -> Splits:
        tensors = []
        for name, option in (
            ("train", "labeled_images/unlabeled_images"),
            ("val", "val_images"),
            ("test", "test_images"),
        ):
            items, labels = self._parts[name]
            if isinstance(items, list):
                items = image_files.load_images(items, self.image_shape, self.grayscale, self.image_size, option)
            tensors += [items, labels]
        return Splits(*tensors)

    # -- reading each kind of source --------------------------------------------------------------
    def _read_arrays(self, x, y, val_x, val_y, test_x, test_y, npz) -> Dict[str, Optional[Part]]:
        arrays = dict(x=x, y=y, val_x=val_x, val_y=val_y, test_x=test_x, test_y=test_y)
        if npz is not None:
            if any(v is not None for v in arrays.values()):
                raise ValueError("give arrays either as npz or as x, y, ... (not both).")
            arrays = read_npz(npz)
        if arrays["x"] is None or arrays["y"] is None:
            raise ValueError("arrays: x and y are both needed (y = -1 marks unlabeled examples).")
        parts: Dict[str, Optional[Part]] = {}
        for name, prefix in (("train", ""), ("val", "val_"), ("test", "test_")):
            xs, ys = arrays[prefix + "x"], arrays[prefix + "y"]
            if (xs is None) != (ys is None):
                raise ValueError(f"give {prefix}x and {prefix}y together, or neither.")
            if xs is None:
                parts[name] = None
                continue
            images = as_float_images(load_array(xs, prefix + "x"), prefix + "x")
            labels = as_labels(load_array(ys, prefix + "y"), prefix + "y", images.shape[0])
            parts[name] = (images, labels)
        self._settle_num_classes([p[1] for p in parts.values() if p is not None])
        for name, part in parts.items():
            if part is not None:
                self._check_range(part[1], name, lambda i, o=("y" if name == "train" else f"{name}_y"): f"{o}[{i}]")
        return parts

    def _read_datasets(self, labeled, unlabeled, val, test) -> Dict[str, Optional[Part]]:
        if self.class_names is None and labeled is not None and isinstance(getattr(labeled, "classes", None), list):
            self.class_names = [str(c) for c in labeled.classes]
            self._num_classes = self._num_classes or len(self.class_names)
        train_x, train_y = [], []
        if labeled is not None:
            images, labels = dataset_tensors(labeled, "labeled", with_labels=True)
            train_x.append(images)
            train_y.append(labels)
        if unlabeled is not None:
            images, _ = dataset_tensors(unlabeled, "unlabeled", with_labels=False)
            train_x.append(images)
            train_y.append(torch.full((images.shape[0],), -1, dtype=torch.long))
        if len(train_x) == 2 and train_x[0].shape[1:] != train_x[1].shape[1:]:
            raise ValueError(
                f"labeled images are {tuple(train_x[0].shape[1:])} but unlabeled images are "
                f"{tuple(train_x[1].shape[1:])}: give images of one shape."
            )
        if not train_x:
            raise ValueError("data sets: give labeled and/or unlabeled training data, not only val/test.")
        parts = {
            "train": (torch.cat(train_x), torch.cat(train_y)),
            "val": dataset_tensors(val, "val", with_labels=True) if val is not None else None,
            "test": dataset_tensors(test, "test", with_labels=True) if test is not None else None,
        }
        self._settle_num_classes([p[1] for p in parts.values() if p is not None])
        for name, part in parts.items():
            if part is not None:
                option = "labeled" if name == "train" else name
                self._check_range(part[1], name, lambda i, o=option: f"item {i} of the {o} data set")
        return parts

    def _read_image_files(self, labeled_images, unlabeled_images, val_images, test_images) -> Dict[str, Optional[Part]]:
        named = {}  # part -> (paths, label names, option)
        for name, source, option in (
            ("train", labeled_images, "labeled_images"),
            ("val", val_images, "val_images"),
            ("test", test_images, "test_images"),
        ):
            if source is not None:
                named[name] = (*image_files.read_labeled_images(str(source), option), option)
        if "train" not in named and unlabeled_images is None:
            raise ValueError("image files: give labeled_images and/or unlabeled_images, not only val/test images.")
        index = self._class_index({name: names for name, (_, names, _) in named.items()})
        parts: Dict[str, Optional[Part]] = {"train": None, "val": None, "test": None}
        for name, (paths, names, option) in named.items():
            labels = []
            for path, label in zip(paths, names):
                if label not in index:
                    raise ValueError(
                        f"{option}: image {path!r} has label {label!r}, which is not one of the classes "
                        f"{self.class_names} (num_classes={self.num_classes})."
                    )
                labels.append(index[label])
            parts[name] = (paths, torch.tensor(labels, dtype=torch.long))
        if unlabeled_images is not None:
            paths = image_files.list_images(str(unlabeled_images), "unlabeled_images")
            old = parts["train"] or ([], torch.zeros(0, dtype=torch.long))
            parts["train"] = (old[0] + paths, torch.cat([old[1], torch.full((len(paths),), -1, dtype=torch.long)]))
        return parts

    # -- labels and classes -------------------------------------------------------------------------
    def _class_index(self, label_lists: Dict[str, List[str]]) -> Dict[str, int]:
        """Label as written -> class index; sets ``class_names`` and ``num_classes``."""
        written = sorted({label for labels in label_lists.values() for label in labels})
        if self.class_names is None and written and all(is_int(label) for label in written):
            self._settle_num_classes([torch.tensor([int(label) for label in written])])
            self.class_names = [str(k) for k in range(self.num_classes)]
            return {label: int(label) for label in written if 0 <= int(label) < self.num_classes}
        if self.class_names is None:
            self.class_names = sorted(set(label_lists.get("train", written)))
            self._num_classes = self._num_classes or len(self.class_names)
            if len(self.class_names) != self.num_classes:
                raise ValueError(
                    f"the labeled images have {len(self.class_names)} classes {self.class_names} but "
                    f"num_classes={self.num_classes}: make them agree, or give classes."
                )
        if self.num_classes is None:
            raise ValueError("no labeled images: give num_classes (the number of clusters/classes to learn).")
        return {name: k for k, name in enumerate(self.class_names)}

    def _settle_num_classes(self, label_tensors: Sequence[Tensor]) -> None:
        if self._num_classes is not None:
            return
        known = [int(t.max()) for t in label_tensors if t.numel() and int(t.max()) >= 0]
        if not known:
            raise ValueError("no labeled examples: give num_classes (the number of clusters/classes to learn).")
        self._num_classes = max(known) + 1

    def _check_range(self, labels: Tensor, part: str, where: Callable[[int], str]) -> None:
        low = -1 if part == "train" else 0
        bad = torch.nonzero((labels < low) | (labels >= self.num_classes), as_tuple=False).flatten()
        if bad.numel():
            i, classes = int(bad[0]), f"the classes 0..{self.num_classes - 1} (num_classes={self.num_classes})"
            if part == "train":
                raise ValueError(
                    f"{where(i)} has label {int(labels[i])}, outside {classes}; -1 marks unlabeled examples."
                )
            raise ValueError(
                f"{where(i)} has label {int(labels[i])}: validation and test examples need labels from {classes}."
            )

    def _check_every_class_has_a_label(self, train_y: Tensor) -> None:
        counts = torch.bincount(train_y[train_y >= 0], minlength=self.num_classes)
        if counts.sum() == 0:
            if not self._num_classes_given:
                raise ValueError("no labeled training examples: give num_classes (the number of clusters to learn).")
            return  # unsupervised: clusters only
        for k in torch.nonzero(counts == 0, as_tuple=False).flatten().tolist():
            name = f"{self.class_names[k]!r} (index {k})" if self.class_names else str(k)
            raise ValueError(
                f"class {name} has no labeled training example; every one of the {self.num_classes} "
                f"classes needs at least one. Add labeled examples of it, or fix num_classes/classes."
            )

    # -- validation/test hold-out and shapes --------------------------------------------------------
    def _hold_out(self, parts: Dict[str, Optional[Part]]) -> Dict[str, Part]:
        items, labels = parts["train"]
        missing = [name for name in ("test", "val") if parts[name] is None]
        labeled = torch.nonzero(labels >= 0, as_tuple=False).flatten()
        sizes = [self._hold_out_count(name, labeled.numel()) for name in missing]
        if missing and sum(sizes) > 0 and labeled.numel() == 0:
            raise ValueError(
                f"no labeled training examples to hold out {' and '.join(missing)} data from: give "
                f"{' and '.join(missing)} data, or set {'/'.join(n + '_size' for n in missing)} to 0."
            )
        try:
            held = self.stratified_split(labels[labeled], sizes, self.split_seed)[:-1] if missing else ()
        except ValueError as error:
            asked = {name: size for name, size in zip(missing, sizes) if size}
            raise ValueError(
                f"cannot hold out a stratified split of {asked} examples from the {labeled.numel()} "
                f"labeled ones ({error}). Give {' and '.join(asked)} data, or change "
                f"{'/'.join(n + '_size' for n in asked)}."
            ) from None
        out = dict(parts)
        keep = torch.ones(labels.numel(), dtype=torch.bool)
        for name, chosen in zip(missing, held):
            index = labeled[chosen]
            keep[index] = False
            out[name] = (take(items, index), labels[index])
        train_index = torch.nonzero(keep, as_tuple=False).flatten()
        out["train"] = (take(items, train_index), labels[train_index])
        if missing and labeled.numel():
            left = torch.bincount(out["train"][1][out["train"][1] >= 0], minlength=self.num_classes)
            if bool((left == 0).any()):
                k = int(torch.nonzero(left == 0)[0])
                raise ValueError(
                    f"holding out {' and '.join(missing)} data leaves class {k} with no labeled training "
                    f"example: lower {'/'.join(n + '_size' for n in missing)} or give val/test data."
                )
        return out

    def _hold_out_count(self, name: str, num_labeled_examples: int) -> int:
        size = getattr(self, f"{name}_size")
        if (
            isinstance(size, bool)
            or not isinstance(size, (int, float))
            or size < 0
            or (isinstance(size, float) and size >= 1)
        ):
            raise ValueError(f"{name}_size must be a fraction in [0, 1) or a count >= 0, got {size!r}.")
        if isinstance(size, float):
            return max(self.num_classes, round(size * num_labeled_examples)) if size > 0 else 0
        return size

    def file_image_size(self) -> Tuple[int, ...]:
        """Image files for prediction are resized like the training images (``image_size``)."""
        return self.image_size if getattr(self, "image_size", None) else super().file_image_size()

    def _read_image_shape(self) -> Tuple[int, ...]:
        shapes = {}
        for name, (items, _) in self._parts.items():
            if isinstance(items, list):
                if items:
                    option = "labeled_images/unlabeled_images" if name == "train" else f"{name}_images"
                    return image_files.image_shape_of(items[0], self.grayscale, self.image_size, option)
            else:
                shapes[name] = tuple(items.shape[1:])
        if len(set(shapes.values())) > 1:
            raise ValueError(f"training, validation and test examples differ in shape: {shapes}.")
        return shapes["train"]


# -- small helpers -------------------------------------------------------------------------------
def take(items: Items, index: Tensor) -> Items:
    return [items[i] for i in index.tolist()] if isinstance(items, list) else items[index]


def is_int(text: str) -> bool:
    return text.lstrip("-").isdigit()
