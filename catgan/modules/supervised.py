"""The supervised baseline: the same discriminator network trained on the labeled examples only.

Any semi-supervised claim is measured against this. It reads ``batch["labeled"]`` from the same
data modules (the unlabeled stream only sets the epoch length) and uses automatic optimization.
"""

from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

import lightning.pytorch as pl
import torch
import torch.nn.functional as F
from torch import Tensor

from catgan.modules.base import (
    DiscriminatorFactory,
    build_network,
    check_checkpoint_class,
    check_data_matches,
    check_network_shapes,
    model_class_name,
    resolve_image_shape,
)
from catgan.modules.evaluation import ClassifierEvaluationMixin


class SupervisedClassifier(ClassifierEvaluationMixin, pl.LightningModule):
    """Cross-entropy on labeled batches with Adam.

    Args:
        image_shape: shape of one example (linked from the data by the CLI); None: the discriminator's, else (1, 8, 8).
        num_classes: number of classes K (linked from the data by the CLI).
        discriminator: the classifier: a module, a factory ``Discriminator(image_shape, K)``, or None for the MLP.
        lr: Adam's learning rate.
        betas: Adam's betas.
        weight_decay: Adam's L2 weight decay.
    """

    def __init__(
        self,
        image_shape: Optional[Sequence[int]] = None,
        num_classes: int = 10,
        discriminator: Optional[DiscriminatorFactory] = None,
        lr: float = 1e-3,
        betas: Tuple[float, float] = (0.5, 0.999),
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__()
        from catgan.nets import MLPDiscriminator

        self.image_shape = resolve_image_shape(image_shape, None, discriminator, 0)
        self.num_classes = int(num_classes)
        self.discriminator = build_network(discriminator, MLPDiscriminator, self.image_shape, self.num_classes)
        self.init_classifier_metrics(self.num_classes)
        self.save_hyperparameters()

    def setup(self, stage: str) -> None:
        super().setup(stage)  # the data's class names (ClassifierEvaluationMixin)
        check_data_matches(self)
        check_network_shapes(None, self.discriminator, 0, self.image_shape, self.num_classes)
        datamodule = getattr(self.trainer, "datamodule", None) if self._trainer is not None else None
        if stage == "fit" and datamodule is not None and getattr(datamodule, "num_labeled", 1) == 0:
            raise ValueError("SupervisedClassifier needs labeled data: set data.num_labeled > 0.")

    def on_save_checkpoint(self, checkpoint) -> None:
        super().on_save_checkpoint(checkpoint)
        checkpoint["catgan_model_class"] = model_class_name(self)

    def on_load_checkpoint(self, checkpoint) -> None:
        check_checkpoint_class(self, checkpoint)
        super().on_load_checkpoint(checkpoint)

    def training_step(self, batch: Dict[str, object], batch_idx: int) -> Tensor:
        if "labeled" not in batch:
            raise ValueError("SupervisedClassifier needs labeled data: set data.num_labeled > 0.")
        x, y = batch["labeled"]
        loss = F.cross_entropy(self.discriminator(x).float(), y)
        self.log("train/cross_entropy", loss, on_step=True, on_epoch=False, batch_size=y.shape[0])
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(
            self.discriminator.parameters(),
            lr=self.hparams.lr,
            betas=tuple(self.hparams.betas),
            weight_decay=self.hparams.weight_decay,
        )
