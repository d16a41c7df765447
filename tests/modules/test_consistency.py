"""The augmentation-consistency term of D (``catgan.regularizers.AugmentationConsistency``): the term against a hand
computation, what it leaves alone, the D update it changes, the CLI and the refusals."""

import pytest
import torch
import torch.nn.functional as F

from catgan import GAN, CatGAN, ImprovedGAN
from catgan.cli import main
from catgan.data import DigitsDataModule
from catgan.data.augment import RandomAffine
from catgan.nets import MLPDiscriminator
from catgan.regularizers import AugmentationConsistency
from tests.conftest import quiet_trainer


def flip(x, image_shape):  # a deterministic "strong" view for the tests
    return x.flip(-1)


def consistency_term(d, real, augment, threshold):
    """The regularizer's term for a module holding D ``d`` and image shape (1, 8, 8)."""
    module = torch.nn.Module()
    module.discriminator, module.image_shape = d, (1, 8, 8)
    regularizer = AugmentationConsistency(threshold=threshold, augment=augment, weak_shift=0)
    return regularizer.term(module, {"unlabeled": real}, None)


def test_the_term_is_fixmatch_on_d_with_targets_from_the_noise_free_weak_view():
    torch.manual_seed(0)
    d = MLPDiscriminator((1, 8, 8), 10, hidden=[32], noise_std=0.5, batch_norm=True)
    real = torch.rand(64, 1, 8, 8)
    stats = [b.clone() for b in d.buffers()]
    loss, parts = consistency_term(d, real, flip, threshold=0.2)
    for before, after in zip(stats, d.buffers()):
        assert torch.equal(before, after)  # running statistics untouched by both passes
    d.eval()  # by hand: targets without noise, normalized by the batch's own statistics
    for m in d.modules():
        if isinstance(m, torch.nn.BatchNorm1d):
            m.train()
            m.track_running_stats = False
    with torch.no_grad():
        probs = F.softmax(d(real), dim=1)  # (64, 10)
    confidence, target = probs.max(1)
    kept = confidence >= 0.2
    assert 0 < kept.sum() < 64  # the threshold splits this batch
    hand = (F.cross_entropy(d(flip(real, None)), target, reduction="none") * kept).mean()  # noise-free strong pass
    assert parts["consistency_mask"] == kept.float().mean()
    assert not torch.allclose(loss, hand)  # in training mode the library's strong pass has D's noise
    assert abs(loss.item() - hand.item()) < 0.25 * hand.item()  # ... and only that differs
    exact, _ = consistency_term(d, real, flip, threshold=0.2)  # noise now off
    assert torch.allclose(exact, hand)


def fit_steps(steps=4, consistency=None, **kwargs):
    torch.manual_seed(0)
    model = CatGAN(
        d_regularizers=[AugmentationConsistency(**consistency)] if consistency is not None else None,
        image_shape=(1, 8, 8),
        lr_d=1e-3,
        lr_g=1e-3,
        discriminator=MLPDiscriminator((1, 8, 8), 10, hidden=[64], noise_std=0.15, batch_norm=True),
        **kwargs,
    )
    trainer = quiet_trainer(max_steps=steps, log_every_n_steps=1)
    trainer.fit(model, DigitsDataModule(num_labeled=100, seed=1))
    return model, trainer


def test_the_term_changes_the_d_update_and_is_logged():
    off, _ = fit_steps()
    on, trainer = fit_steps(consistency={"weight": 1.0, "threshold": 0.0})  # every image a target this early
    none, _ = fit_steps(consistency={"weight": 0.0, "augment": RandomAffine(erase=2)})  # weight 0: no term
    flat = [torch.cat([p.flatten() for p in m.discriminator.parameters()]) for m in (off, on, none)]
    assert not torch.allclose(flat[0], flat[1])
    assert torch.equal(flat[0], flat[2])
    metrics = trainer.callback_metrics
    assert metrics["train/d/consistency"] > 0.5 and metrics["train/d/consistency_mask"] == 1


def test_the_cli_builds_the_strong_augmentation_from_the_config():
    cli = main(
        [
            "--config",
            "configs/digits_catgan.yaml",
            "--model.init_args.d_regularizers",
            "[{class_path: catgan.regularizers.AugmentationConsistency, init_args: {weight: 2, threshold: null, "
            "augment: {class_path: catgan.data.augment.RandomAffine, init_args: {rotation: 10, erase: 2}}}}]",
        ],
        run=False,
    )
    (term,) = cli.model.d_regularizers
    assert isinstance(term, AugmentationConsistency) and term.weight == 2.0 and term.threshold is None
    assert isinstance(term.augment, RandomAffine) and (term.augment.rotation, term.augment.erase) == (10.0, 2)


def test_an_old_flat_argument_is_refused_by_the_parser():
    with pytest.raises(SystemExit):
        main(["--config", "configs/digits_catgan.yaml", "--model.init_args.consistency_weight", "2"], run=False)


@pytest.mark.parametrize(
    "settings, model_kwargs, message",
    [
        ({"weight": -1.0}, {}, "weight must be >= 0"),
        ({"threshold": 1.5}, {}, "threshold must be in \\[0, 1\\]"),
        ({"weak_shift": 0.5}, {}, "weak_shift must be an integer"),
        ({}, {"image_shape": (64,)}, "flatten false"),
        ({"augment": "rotate"}, {}, "callable as augment"),
        ({}, {"cls": GAN}, "needs a classifier D"),
    ],
)
def test_bad_consistency_settings_are_refused_at_construction(settings, model_kwargs, message):
    model_kwargs = {"image_shape": (1, 8, 8), **model_kwargs}
    cls = model_kwargs.pop("cls", CatGAN)
    with pytest.raises((ValueError, TypeError), match=message):
        cls(d_regularizers=[AugmentationConsistency(**settings)], **model_kwargs)


def test_improved_gan_takes_the_term_too():
    model = ImprovedGAN(image_shape=(1, 8, 8), d_regularizers=[AugmentationConsistency(weight=0.5)])
    (term,) = model.d_regularizers
    assert term.weight == 0.5 and isinstance(term.augment, RandomAffine)


def test_a_resumed_fit_draws_the_same_augmentations(tmp_path):
    """The affine maps come from the global RNG, which checkpoints save: 1 epoch + resume = 2 epochs, bit for bit
    (the first part stopped by StopAfterEpoch, so the learning-rate schedule is the 2-epoch one)."""

    def fit(root, *extra):
        args = ["fit", "--config", "configs/digits_catgan.yaml", "--trainer.max_epochs", "2"]
        args += ["--trainer.logger", "false", "--trainer.enable_progress_bar", "false", "--test_after_fit", "false"]
        args += ["--trainer.deterministic", "true"]
        args += ["--trainer.default_root_dir", str(root), "--checkpoint.dirpath", str(root / "ckpt")]
        args += ["--model.init_args.d_regularizers"]
        args += ["[{class_path: catgan.regularizers.AugmentationConsistency, init_args: {weight: 1, threshold: 0.5}}]"]
        return {k: v.clone() for k, v in main([*args, *extra]).model.state_dict().items()}

    reference = fit(tmp_path / "reference")
    fit(
        tmp_path / "first",
        "--trainer.callbacks+=catgan.stopping.StopAfterEpoch",
        "--trainer.callbacks.init_args.epochs",
        "1",
    )
    resumed = fit(tmp_path / "first", "--ckpt_path", str(tmp_path / "first" / "ckpt" / "last.ckpt"))
    assert [k for k in reference if not torch.equal(reference[k], resumed[k])] == []
