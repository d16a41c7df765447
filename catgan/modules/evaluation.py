"""Validation, test and prediction for modules whose discriminator is a K-way classifier.

Logs ``val/acc`` and ``test/acc`` (torchmetrics' micro accuracy of argmax predictions) and
``val/cluster_acc`` / ``test/cluster_acc`` (accuracy under the best one-to-one matching of predicted
classes to labels: the clustering score of an unsupervised CatGAN). ``predict_step`` returns classes.
"""

from __future__ import annotations

from typing import Tuple, Union

from torch import Tensor
from torchmetrics.classification import MulticlassAccuracy

from catgan.metrics import ClusteringAccuracy


class ClassifierEvaluationMixin:
    """Mix into a LightningModule that has ``self.discriminator`` returning (B, num_classes) logits."""

    def init_classifier_metrics(self, num_classes: int) -> None:
        for stage in ("val", "test"):
            setattr(self, f"{stage}_acc", MulticlassAccuracy(num_classes, average="micro"))
            setattr(self, f"{stage}_cluster_acc", ClusteringAccuracy(num_classes))

    def classify(self, x: Tensor) -> Tensor:
        """Class logits (B, K) of D for real examples ``x``."""
        return self.discriminator(x)

    def _evaluate(self, stage: str, batch: Tuple[Tensor, Tensor]) -> None:
        x, y = batch
        preds = self.classify(x).argmax(dim=1)  # (B,)
        accuracy, cluster_accuracy = getattr(self, f"{stage}_acc"), getattr(self, f"{stage}_cluster_acc")
        accuracy.update(preds, y)
        cluster_accuracy.update(preds, y)
        self.log(f"{stage}/acc", accuracy, on_step=False, on_epoch=True, prog_bar=stage == "val")
        self.log(f"{stage}/cluster_acc", cluster_accuracy, on_step=False, on_epoch=True)

    def validation_step(self, batch: Tuple[Tensor, Tensor], batch_idx: int) -> None:
        self._evaluate("val", batch)

    def test_step(self, batch: Tuple[Tensor, Tensor], batch_idx: int) -> None:
        self._evaluate("test", batch)

    def predict_step(self, batch: Union[Tensor, Tuple[Tensor, ...]], batch_idx: int) -> Tensor:
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        return self.classify(x).argmax(dim=1)  # (B,)
