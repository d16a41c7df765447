"""Validation, test and prediction for modules whose discriminator is a K-way classifier.

Per stage (``val``, ``test``) it logs

- ``acc`` (torchmetrics' micro accuracy of argmax predictions) and ``error`` (1 - acc), with the
  averaged D when the module keeps one (``d_ema_decay``), and then also ``acc_raw`` (the D being trained);
- ``cluster_acc`` (accuracy under the best one-to-one matching of predicted classes to labels: the
  clustering score of an unsupervised CatGAN), ``nmi`` and ``ari`` (torchmetrics' normalized mutual
  information and adjusted Rand index of predictions against labels);
- with more outputs K than classes C (a clustering CatGAN with ``num_clusters``): no ``acc`` (an output is
  not a class), ``cluster_acc`` with the C best-matched clusters (the others count as errors) and
  ``cluster_acc_majority`` (each cluster mapped to its most frequent class: many-to-one);
- CatGAN's diagnostics at epoch end: ``marginal_entropy_real`` H[E_x p(y|x)] and
  ``conditional_entropy_real`` E_x H[p(y|x)] over the whole split, ``class_freq_real/<k>`` (fraction of
  the split D assigns to class k; validation only) and, for modules with a generator, the same three on
  a fixed generated batch (``*_fake``; the EMA generator when enabled);
- ``empty_classes_real``: how many classes D gives less than ``empty_class_share`` / K of the split (a
  merged cluster: in clustering, two digits sharing one output leaves another output nearly unused). A
  validation epoch that finds one warns (once per model), naming the classes and what to try.

``classifier_diagnostics(stage)`` returns them (with the confusion matrix) for callbacks;
``predict_step`` returns ``{"preds": (B,), "probs": (B, K)}`` (``catgan.predictions.PredictionWriter`` writes
them). The data's class names (``class_names``, e.g. an ImageFolder's folder names) are kept in checkpoints.
"""

from __future__ import annotations

import warnings
from typing import Dict, Optional, Tuple, Union

import torch
from torch import Tensor
from torchmetrics.classification import MulticlassAccuracy
from torchmetrics.clustering import AdjustedRandScore, NormalizedMutualInfoScore

from catgan.metrics import ClassifierDiagnostics, ClusteringAccuracy

STAGES = ("val", "test")
# torchmetrics' NMI/ARI build a sparse contingency table; torch warns once about skipped sparse checks
warnings.filterwarnings("ignore", message="Sparse invariant checks are implicitly disabled")


class ClassifierEvaluationMixin:
    """Mix into a LightningModule that has ``self.discriminator`` returning (B, num_classes) logits."""

    diagnostic_samples = 500  # size of the fixed generated batch scored at each evaluation epoch end
    diagnostic_seed = 1234
    empty_class_share = 0.2  # a class D predicts for less than this fraction of 1/K counts as empty

    def init_classifier_metrics(self, num_classes: int, num_outputs: Optional[int] = None) -> None:
        """Metrics for labels of ``num_classes`` classes and a D of ``num_outputs`` outputs (default: as many)."""
        outputs = self.num_outputs = int(num_outputs if num_outputs is not None else num_classes)
        first = ("acc", "cluster_acc") if outputs == num_classes else ("cluster_acc", "cluster_acc_majority")
        self._metric_names = first + ("nmi", "ari")
        for stage in STAGES:
            if outputs == num_classes:
                setattr(self, f"{stage}_acc", MulticlassAccuracy(num_classes, average="micro"))
                setattr(self, f"{stage}_acc_raw", MulticlassAccuracy(num_classes, average="micro"))
            else:
                setattr(self, f"{stage}_cluster_acc_majority", ClusteringAccuracy(outputs, num_classes, "majority"))
            setattr(self, f"{stage}_cluster_acc", ClusteringAccuracy(outputs, num_classes))
            setattr(self, f"{stage}_nmi", NormalizedMutualInfoScore())
            setattr(self, f"{stage}_ari", AdjustedRandScore())
            setattr(self, f"{stage}_diagnostics", ClassifierDiagnostics(outputs, num_classes))
        self._diagnostics_cache: Dict[str, Dict[str, Tensor]] = {}
        self._diagnostic_latent: Optional[Tensor] = None

    @property
    def classifying_discriminator(self) -> torch.nn.Module:
        """The network that classifies: the averaged D (``discriminator_ema``, see ``d_ema_decay``) when the
        module keeps one, else D."""
        averaged = getattr(self, "discriminator_ema", None)
        return averaged.module if averaged is not None else self.discriminator

    def classify(self, x: Tensor) -> Tensor:
        """Class logits (B, K) for real examples ``x``, from ``classifying_discriminator``."""
        return self.classifying_discriminator(x)

    def _evaluate(self, stage: str, batch: Tuple[Tensor, Tensor]) -> None:
        x, y = batch
        logits = self.classify(x)  # (B, K)
        preds = logits.argmax(dim=1)  # (B,)
        getattr(self, f"{stage}_diagnostics").update(logits, y)
        shown = self._metric_names[0]  # acc, or cluster_acc with more outputs than classes
        for name in self._metric_names:
            metric = getattr(self, f"{stage}_{name}")
            metric.update(preds, y)
            self.log(f"{stage}/{name}", metric, on_step=False, on_epoch=True, prog_bar=stage == "val" and name == shown)
        if self.classifying_discriminator is not self.discriminator and hasattr(self, f"{stage}_acc_raw"):
            metric = getattr(self, f"{stage}_acc_raw")
            metric.update(self.discriminator(x).argmax(dim=1), y)
            self.log(f"{stage}/acc_raw", metric, on_step=False, on_epoch=True)

    def validation_step(self, batch: Tuple[Tensor, Tensor], batch_idx: int) -> None:
        self._evaluate("val", batch)

    def test_step(self, batch: Tuple[Tensor, Tensor], batch_idx: int) -> None:
        self._evaluate("test", batch)

    def predict_step(self, batch: Union[Tensor, Tuple[Tensor, ...]], batch_idx: int) -> Dict[str, Tensor]:
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        probs = self.classify(x).float().softmax(dim=1)  # (B, K)
        return {"preds": probs.argmax(dim=1), "probs": probs}

    # -- class names: from the training data, kept in checkpoints ---------------------------------------
    class_names: Optional[list] = None

    def setup(self, stage: str) -> None:
        super().setup(stage)
        datamodule = getattr(self.trainer, "datamodule", None) if self._trainer is not None else None
        names = getattr(datamodule, "class_names", None)
        if names and len(names) == self.num_classes:
            self.class_names = [str(n) for n in names]

    def on_save_checkpoint(self, checkpoint: Dict[str, object]) -> None:
        super().on_save_checkpoint(checkpoint)
        checkpoint["catgan_class_names"] = self.class_names

    def on_load_checkpoint(self, checkpoint: Dict[str, object]) -> None:
        super().on_load_checkpoint(checkpoint)
        self.class_names = checkpoint.get("catgan_class_names") or self.class_names

    # -- epoch-end diagnostics --------------------------------------------------------------------
    def diagnostic_fakes(self) -> Optional[Tensor]:
        """The fixed generated batch (the same latents every epoch, drawn without touching the global
        RNG), or None for a module without a generator."""
        if not callable(getattr(self, "sample", None)) or not callable(getattr(self, "sample_latent", None)):
            return None
        if self._diagnostic_latent is None:
            generator = torch.Generator().manual_seed(self.diagnostic_seed)
            self._diagnostic_latent = self.sample_latent(self.diagnostic_samples, generator=generator)
        return self.sample(self.diagnostic_samples, z=self._diagnostic_latent)

    @torch.no_grad()
    def classifier_diagnostics(self, stage: str = "val") -> Dict[str, Tensor]:
        """The stage's accumulated ``confusion`` (K, K: true x predicted), ``error``, and
        ``{marginal,conditional}_entropy_{real,fake}`` and ``class_freq_{real,fake}`` (K,); the fake
        entries only for modules with a generator. Computed once per epoch (cached until the next one
        starts), so callbacks read it before or after the module logs it."""
        if stage in self._diagnostics_cache:
            return self._diagnostics_cache[stage]
        real = getattr(self, f"{stage}_diagnostics").compute()
        result = {"confusion": real["confusion"]}
        if "error" in real:
            result["error"] = real["error"]
        for name in ("marginal_entropy", "conditional_entropy", "class_freq"):
            result[f"{name}_real"] = real[name]
        fakes = self.diagnostic_fakes()
        if fakes is not None:
            network = self.classifying_discriminator
            was_training = network.training
            network.eval()
            logits = self.classify(fakes)  # (M, K)
            network.train(was_training)
            fake = ClassifierDiagnostics(self.num_outputs, self.num_classes).to(logits.device)
            fake.update(logits, torch.zeros(logits.shape[0], dtype=torch.long, device=logits.device))
            fake = fake.compute()
            for name in ("marginal_entropy", "conditional_entropy", "class_freq"):
                result[f"{name}_fake"] = fake[name]
        self._diagnostics_cache[stage] = result
        return result

    def _log_diagnostics(self, stage: str) -> None:
        metric = getattr(self, f"{stage}_diagnostics")
        if int(metric.confusion.sum()) == 0 and not self._is_distributed():
            return
        diagnostics = self.classifier_diagnostics(stage)
        empty = self.empty_classes(diagnostics["class_freq_real"])
        values = {f"{stage}/empty_classes_real": torch.tensor(float(len(empty)))}
        if "error" in diagnostics:
            values[f"{stage}/error"] = diagnostics["error"]
        if stage == "val" and self.empty_classes_persist(bool(empty)) and not getattr(self, "_warned_empty", False):
            self._warned_empty = True
            what = "class(es)" if self.num_outputs == self.num_classes else "cluster(s)"
            warnings.warn(
                f"D assigns (almost) no validation data to {what} {empty} at epoch {self.current_epoch}: "
                "two classes share one output (a merged cluster) or an output is unused. For clustering "
                "(CatGAN without labels) try "
                "another seed, a larger batch (the marginal entropy is estimated per batch) or an averaged D "
                "(d_ema_decay); val/empty_classes_real tracks it.",
                stacklevel=1,
            )
        for key, value in diagnostics.items():
            if "entropy" in key:
                values[f"{stage}/{key}"] = value
            elif key.startswith("class_freq") and stage == "val":  # K numbers each: the test table stays short
                values.update({f"{stage}/{key}/{k}": v for k, v in enumerate(value)})
        self.log_dict({k: v.float() for k, v in values.items()}, on_step=False, on_epoch=True)
        metric.reset()  # the cached result stays readable (by callbacks) until the next epoch starts

    def empty_classes_persist(self, empty: bool) -> bool:
        """Whether this validation's empty classes (``empty``) are worth a warning: always when a checkpoint is
        validated on its own; during a fit only when the previous validation had empty classes too and the first
        tenth of the epochs (at least one) has passed: early in a fit an untrained D often uses few classes."""
        if self.trainer.sanity_checking:
            return False
        if not empty:
            self._empty_at_last_val = False
            return False
        if self.trainer.state.fn != "fit":
            return True
        persisted, self._empty_at_last_val = self._empty_at_last_val, True
        return persisted and self.current_epoch >= max(1, int(0.1 * max(self.trainer.max_epochs or 0, 0)))

    _empty_at_last_val = False  # the previous validation of this fit had empty classes

    def empty_classes(self, class_freq: Tensor) -> list:
        """The classes whose share of predictions ``class_freq`` (K,) is below ``empty_class_share`` / K."""
        threshold = self.empty_class_share / class_freq.numel()
        return [int(k) for k in torch.nonzero(class_freq < threshold).flatten()]

    def _is_distributed(self) -> bool:
        return torch.distributed.is_available() and torch.distributed.is_initialized()

    def _reset_diagnostics(self, stage: str) -> None:
        getattr(self, f"{stage}_diagnostics").reset()
        self._diagnostics_cache.pop(stage, None)

    def on_validation_epoch_start(self) -> None:
        self._reset_diagnostics("val")

    def on_test_epoch_start(self) -> None:
        self._reset_diagnostics("test")

    def on_validation_epoch_end(self) -> None:
        self._log_diagnostics("val")

    def on_test_epoch_end(self) -> None:
        self._log_diagnostics("test")
