"""Predicting on new inputs from a checkpoint alone: what prediction needs of the data a model was trained on.

``catgan fit`` keeps :func:`prediction_settings` of its data module in each checkpoint (the example shape, the classes
and their names, how image files are decoded: channels and resize size); ``catgan predict --predict_input`` builds a
:class:`PredictInputDataModule` from them instead of the training data module, so the training data is neither
listed nor loaded (it may have moved, or be large). Predicting the test split still builds the training data module.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from catgan.data.base import BaseSemiSupervisedDataModule, Splits


def prediction_settings(data: BaseSemiSupervisedDataModule) -> Dict[str, Any]:
    """The arguments of a ``PredictInputDataModule`` that decodes inputs as ``data`` does (JSON-able)."""
    try:
        file_shape, file_size = list(data.file_image_shape), list(data.file_image_size())
    except ValueError:  # examples that are no images: arrays only
        file_shape = file_size = None
    names = [str(n) for n in data.class_names] if data.class_names else None
    return dict(
        image_shape=list(data.image_shape),
        num_classes=data.num_classes,
        class_names=names,
        file_image_shape=file_shape,
        file_image_size=file_size,
    )


class PredictInputDataModule(BaseSemiSupervisedDataModule):
    """Only the inputs given to ``set_predict_input``: the example shape, classes and image-file decoding of the data a
    checkpoint was trained on (its ``prediction_settings``), and none of that data.

    Args:
        image_shape: the shape of one example, as the model takes it.
        num_classes: the number of classes.
        class_names: class names in index order (None: the class indices).
        file_image_shape: (C, H, W) of one example as an image file; None: the examples are no images (arrays only).
        file_image_size: how image files are resized (``image_files.resize``); None: to (H, W).
        eval_batch_size: examples per prediction batch.
    """

    def __init__(
        self,
        image_shape: Sequence[int],
        num_classes: int,
        class_names: Optional[List[str]] = None,
        file_image_shape: Optional[Sequence[int]] = None,
        file_image_size: Optional[Sequence[int]] = None,
        eval_batch_size: int = 500,
    ) -> None:
        self._image_shape, self._num_classes = tuple(image_shape), num_classes
        self._file_image_shape = tuple(file_image_shape) if file_image_shape else None
        self._file_image_size = tuple(file_image_size) if file_image_size else None
        super().__init__(num_labeled=None, eval_batch_size=eval_batch_size)
        self.class_names = list(class_names) if class_names else None

    @property
    def image_shape(self) -> Tuple[int, ...]:
        return self._image_shape

    @property
    def num_classes(self) -> int:
        return self._num_classes

    @property
    def file_image_shape(self) -> Tuple[int, int, int]:
        return self._file_image_shape or super().file_image_shape  # type: ignore[return-value]

    def file_image_size(self) -> Tuple[int, ...]:
        return self._file_image_size or super().file_image_size()

    def setup(self, stage: Optional[str] = None) -> None:
        if stage != "predict":  # predicting reads only the inputs of set_predict_input
            super().setup(stage)

    def load_splits(self) -> Splits:
        raise RuntimeError(
            "PredictInputDataModule holds no training, validation or test data, only what predicting on new inputs "
            "needs: call set_predict_input, or build the data module the checkpoint was trained on "
            "(catgan.run_folders.load_checkpoint_datamodule)."
        )
