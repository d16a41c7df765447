"""Validation metrics of classifier modules: NMI, ARI, error and CatGAN's entropy/histogram diagnostics,
against hand computations."""

import math

import lightning.pytorch as pl
import pytest
import torch
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from catgan import CatGAN, SupervisedClassifier
from catgan.data import DigitsDataModule
from catgan.metrics import ClassifierDiagnostics


def test_diagnostics_match_a_hand_computation():
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    targets = torch.tensor([0, 1, 2, 2])
    metric = ClassifierDiagnostics(3)
    metric.update(logits[:2], targets[:2])
    metric.update(logits[2:], targets[2:])
    result = metric.compute()
    p = logits.softmax(dim=1)
    mean_p = p.mean(dim=0)
    assert torch.equal(result["confusion"], torch.tensor([[1, 0, 0], [0, 1, 0], [1, 1, 0]]))  # argmax ties -> 0
    assert torch.allclose(result["class_freq"].float(), torch.tensor([0.5, 0.5, 0.0]))
    assert abs(result["marginal_entropy"].item() - float(-(mean_p * mean_p.log()).sum())) < 1e-6
    assert abs(result["conditional_entropy"].item() - float(-(p * p.log()).sum(dim=1).mean())) < 1e-6
    assert abs(result["error"].item() - 0.5) < 1e-9
    uniform = ClassifierDiagnostics(3)
    uniform.update(torch.zeros(5, 3), torch.zeros(5, dtype=torch.long))
    assert abs(uniform.compute()["conditional_entropy"].item() - math.log(3)) < 1e-6


@pytest.fixture(scope="module")
def validated():
    pl.seed_everything(0)
    model, dm = CatGAN(), DigitsDataModule(num_labeled=50, eval_batch_size=64)  # several batches per epoch
    trainer = pl.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False)
    rng = torch.get_rng_state()
    trainer.validate(model, dm)
    return model, dm, trainer, rng


def test_nmi_ari_and_error_match_sklearn_on_the_predictions(validated):
    model, dm, trainer, _ = validated
    model.eval()
    with torch.no_grad():
        preds = model.classify(dm.splits.val_x).argmax(dim=1).numpy()
    y = dm.splits.val_y.numpy()
    metrics = trainer.callback_metrics
    assert abs(metrics["val/nmi"].item() - normalized_mutual_info_score(y, preds)) < 1e-5
    assert abs(metrics["val/ari"].item() - adjusted_rand_score(y, preds)) < 1e-5
    assert abs(metrics["val/error"].item() - (preds != y).mean()) < 1e-6
    assert abs(metrics["val/acc"].item() + metrics["val/error"].item() - 1.0) < 1e-6


def test_entropies_and_histograms_of_real_and_fixed_generated_data(validated):
    model, dm, trainer, rng = validated
    metrics = trainer.callback_metrics
    with torch.no_grad():
        p_real = model.classify(dm.splits.val_x).softmax(dim=1)
        p_fake = model.classify(model.diagnostic_fakes()).softmax(dim=1)
    for name, p in (("real", p_real), ("fake", p_fake)):
        mean_p = p.mean(dim=0)
        assert abs(metrics[f"val/marginal_entropy_{name}"].item() - float(-(mean_p * mean_p.log()).sum())) < 1e-5
        assert (
            abs(
                metrics[f"val/conditional_entropy_{name}"].item() - float(-(p * p.clamp_min(1e-30).log()).sum(1).mean())
            )
            < 1e-5
        )
        histogram = torch.bincount(p.argmax(dim=1), minlength=10).float() / p.shape[0]
        logged = torch.stack([metrics[f"val/class_freq_{name}/{k}"] for k in range(10)])
        assert torch.allclose(logged, histogram, atol=1e-6)
    assert torch.equal(torch.get_rng_state(), rng)  # the fixed batch does not draw from the global RNG


def test_supervised_baseline_logs_real_diagnostics_only():
    trainer = pl.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.validate(SupervisedClassifier(), DigitsDataModule(num_labeled=50))
    keys = set(trainer.callback_metrics)
    assert {"val/nmi", "val/ari", "val/error", "val/marginal_entropy_real"} <= keys
    assert not any(k.endswith("_fake") or "class_freq_fake" in k for k in keys)


def test_a_class_d_never_predicts_is_counted_empty_and_warned_about():
    model = CatGAN()
    assert model.empty_classes(torch.tensor([0.3, 0.3, 0.39, 0.01])) == [3]  # 0.01 < 0.2 / 4
    assert model.empty_classes(torch.tensor([0.25, 0.25, 0.25, 0.25])) == []
    pl.seed_everything(0)
    with torch.no_grad():
        model.discriminator.head.bias[3] = -1e4  # D can no longer say "3": a merged cluster
    trainer = pl.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False)
    with pytest.warns(UserWarning, match=r"no validation data to class\(es\) \[.*3.*\]"):
        trainer.validate(model, DigitsDataModule(num_labeled=50))
    empty = trainer.callback_metrics["val/empty_classes_real"].item()
    assert empty >= 1 and empty == len(model.empty_classes(model.classifier_diagnostics("val")["class_freq_real"]))


def test_more_clusters_than_classes_reports_matched_and_majority_clustering():
    from torch.utils.data import DataLoader, TensorDataset

    from catgan.metrics import clustering_accuracy

    torch.manual_seed(0)
    x, y = torch.randn(90, 2), torch.arange(90) % 3
    model = CatGAN(image_shape=(2,), num_classes=3, supervised_weight=0.0, num_clusters=6)
    assert model.discriminator(x).shape == (90, 6)  # D has one output per cluster
    trainer = pl.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.validate(model, DataLoader(TensorDataset(x, y), batch_size=30))
    metrics = trainer.callback_metrics
    model.eval()
    with torch.no_grad():
        preds = model.classify(x).argmax(dim=1)
    majority = clustering_accuracy(preds, y, 6, 3, mapping="majority").item()
    assert abs(metrics["val/cluster_acc_majority"].item() - majority) < 1e-6
    assert abs(metrics["val/cluster_acc"].item() - clustering_accuracy(preds, y, 6, 3).item()) < 1e-6
    assert "val/acc" not in metrics and "val/error" not in metrics  # an output is a cluster, not a class
    assert model.classifier_diagnostics("val")["confusion"].shape == (3, 6)  # true class x cluster
    with pytest.raises(ValueError, match="supervised_weight 0"):
        CatGAN(image_shape=(2,), num_classes=3, num_clusters=6)  # the labeled CE needs one output per class


def test_during_a_fit_empty_classes_are_warned_about_only_when_they_persist_after_warm_up():
    """Early in a fit an untrained D uses few classes: no warning at epoch 0 (the first tenth of the epochs), only
    when the previous validation had empty classes too."""
    import warnings

    pl.seed_everything(0)
    model = CatGAN()
    with torch.no_grad():
        model.discriminator.head.bias[3] = -1e4  # D can no longer say "3", epoch after epoch
    trainer = pl.Trainer(
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        max_epochs=3,
        limit_train_batches=1,
        num_sanity_val_steps=0,
        enable_checkpointing=False,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.fit(model, DigitsDataModule(num_labeled=50))
    said = [str(w.message) for w in caught if "no validation data" in str(w.message)]
    assert len(said) == 1 and "at epoch 1:" in said[0], said  # epoch 0: warm-up; epoch 1: persisted; once
