"""The EMA generator: hand-computed average, used by sample(), saved in checkpoints and resumed exactly;
the compile flag keeps parameter names."""

import lightning.pytorch as pl
import pytest
import torch

from catgan import GAN, CatGAN, ImprovedGAN
from catgan.data import ToyDataModule
from catgan.nets import MLPDiscriminator, MLPGenerator


def toy_catgan(**kwargs):
    return CatGAN(
        image_shape=(2,),
        num_classes=2,
        latent_dim=4,
        lr_d=1e-2,
        lr_g=1e-2,
        supervised_weight=0.0,
        generator=MLPGenerator(4, (2,), hidden=(16,), output="identity"),
        discriminator=MLPDiscriminator((2,), 2, hidden=(16,)),
        **kwargs,
    )


def trainer(root, **kwargs):
    options = dict(
        max_epochs=1,
        limit_train_batches=2,
        limit_val_batches=0,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
        default_root_dir=str(root),
    )
    options.update(kwargs)
    return pl.Trainer(**options)


class RecordGenerator(pl.Callback):
    def __init__(self):
        self.weights = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.weights.append({k: v.clone() for k, v in pl_module.generator.state_dict().items()})


def test_ema_equals_the_hand_computed_average_after_two_steps(tmp_path):
    pl.seed_everything(0)
    decay, record = 0.75, RecordGenerator()
    model = toy_catgan(ema_decay=decay)
    trainer(tmp_path, callbacks=[record]).fit(model, ToyDataModule(num_train=200))
    w1, w2 = record.weights  # G after its first and second step
    ema = model.generator_ema.module.state_dict()
    assert int(model.generator_ema.n_averaged) == 2
    for name, value in w2.items():
        if name.endswith(("running_mean", "running_var", "num_batches_tracked")):
            assert torch.equal(ema[name], value), name  # buffers follow G
        else:
            assert torch.allclose(ema[name], decay * w1[name] + (1 - decay) * w2[name], atol=1e-7), name
    assert not torch.equal(w1["net.0.weight"], w2["net.0.weight"])  # G moved, so the test can tell


def test_sample_uses_the_ema_generator():
    model = toy_catgan(ema_decay=0.9)
    with torch.no_grad():
        for p in model.generator_ema.module.parameters():
            p.add_(1.0)
    z = torch.rand(5, 4)
    model.generator_ema.module.eval()
    model.generator.eval()
    assert torch.equal(model.sample(5, z=z), model.generator_ema.module(z))
    assert not torch.allclose(model.sample(5, z=z), model.generator(z))
    assert toy_catgan().sampling_generator is not None and toy_catgan().generator_ema is None


def test_ema_is_resumed_exactly_from_a_checkpoint(tmp_path):
    from lightning.pytorch.callbacks import ModelCheckpoint

    def fit(root, ckpt_path=None, **kwargs):
        pl.seed_everything(0)
        model = toy_catgan(ema_decay=0.9)
        save = ModelCheckpoint(dirpath=str(root), every_n_train_steps=4, save_top_k=-1)
        t = trainer(
            root, limit_train_batches=None, callbacks=[save], enable_checkpointing=True, deterministic=True, **kwargs
        )
        t.fit(model, ToyDataModule(num_train=400), ckpt_path=ckpt_path, weights_only=False)  # module hparams
        return model

    reference = fit(tmp_path / "reference")  # one epoch: 4 batches, 8 optimizer steps
    fit(tmp_path / "resumed", max_steps=4)  # stopped mid-epoch, after 2 batches
    checkpoint = str(tmp_path / "resumed" / "epoch=0-step=4.ckpt")
    state = torch.load(checkpoint, weights_only=False)["state_dict"]
    assert int(state["generator_ema.n_averaged"]) == 2 and "generator_ema.module.net.0.weight" in state
    resumed = fit(tmp_path / "resumed", ckpt_path=checkpoint)
    for name, value in reference.generator_ema.state_dict().items():
        assert torch.equal(resumed.generator_ema.state_dict()[name], value), name
    assert int(resumed.generator_ema.n_averaged) == 4


@pytest.mark.parametrize("cls", [CatGAN, GAN, ImprovedGAN])
def test_every_adversarial_module_takes_ema_and_checks_it(cls):
    assert cls(image_shape=(2,), num_classes=3, ema_decay=0.99).generator_ema is not None
    with pytest.raises(ValueError, match="ema_decay must be in"):
        cls(image_shape=(2,), num_classes=3, ema_decay=1.0)


def test_compile_keeps_parameter_names_for_checkpoints():
    torch.manual_seed(0)
    plain = toy_catgan()
    compiled = toy_catgan(compile=True)
    assert compiled.state_dict().keys() == plain.state_dict().keys()
    assert compiled.hparams["compile"] is True


# -- the averaged discriminator (d_ema_decay) -------------------------------------------------------------------


class RecordDiscriminator(pl.Callback):
    def __init__(self):
        self.states = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.states.append({k: v.clone() for k, v in pl_module.discriminator.state_dict().items()})


def bn_catgan(**kwargs):
    return CatGAN(
        image_shape=(2,),
        num_classes=2,
        latent_dim=4,
        lr_d=1e-2,
        lr_g=1e-2,
        supervised_weight=0.0,
        generator=MLPGenerator(4, (2,), hidden=(16,), output="identity"),
        discriminator=MLPDiscriminator((2,), 2, hidden=(16,), batch_norm=True),
        **kwargs,
    )


def test_d_ema_averages_parameters_and_batch_norm_buffers_with_the_warm_up_rate(tmp_path):
    pl.seed_everything(0)
    decay, record = 0.95, RecordDiscriminator()
    model = bn_catgan(d_ema_decay=decay)
    trainer(tmp_path, limit_train_batches=3, callbacks=[record]).fit(model, ToyDataModule(num_train=300))
    s1, s2, s3 = record.states  # D after its first, second and third update
    a = {k: v.clone() for k, v in s1.items()}  # the first update copies
    for n, s in ((1, s2), (2, s3)):  # then a <- d_n a + (1 - d_n) p, d_n = min(decay, (1 + n) / (10 + n))
        d_n = min(decay, (1 + n) / (10 + n))
        a = {k: (d_n * a[k] + (1 - d_n) * s[k]) if s[k].is_floating_point() else s[k] for k in a}
    averaged = model.discriminator_ema.module.state_dict()
    assert int(model.discriminator_ema.n_averaged) == 3
    for name, value in a.items():
        assert torch.allclose(averaged[name], value, atol=1e-6), name
    assert "body.3.running_mean" in a and not torch.allclose(averaged["body.3.running_mean"], s3["body.3.running_mean"])
    assert not torch.allclose(averaged["head.weight"], s3["head.weight"])  # the average is not the last D


def test_evaluation_classifies_with_the_averaged_d_and_logs_the_raw_one(tmp_path):
    model = bn_catgan(d_ema_decay=0.9).eval()
    with torch.no_grad():
        model.discriminator_ema.module.head.bias.copy_(torch.tensor([50.0, -50.0]))  # the average says class 0
        model.discriminator.head.bias.copy_(torch.tensor([-50.0, 50.0]))  # the raw D says class 1
    x = torch.randn(6, 2)
    assert model.classify(x).argmax(1).tolist() == [0] * 6
    assert model.classifying_discriminator is model.discriminator_ema.module
    plain = bn_catgan()
    assert plain.classifying_discriminator is plain.discriminator
    metrics = trainer(tmp_path, limit_train_batches=0, limit_test_batches=1).test(
        model, ToyDataModule(num_train=200), verbose=False
    )[0]
    assert "test/acc_raw" in metrics and metrics["test/acc"] + metrics["test/acc_raw"] == pytest.approx(1.0)


def test_d_ema_is_in_checkpoints_and_resumed_exactly(tmp_path):
    from lightning.pytorch.callbacks import ModelCheckpoint

    def fit(root, ckpt_path=None, **kwargs):
        pl.seed_everything(0)
        model = bn_catgan(d_ema_decay=0.9)
        save = ModelCheckpoint(dirpath=str(root), every_n_train_steps=4, save_top_k=-1)
        t = trainer(
            root, limit_train_batches=None, callbacks=[save], enable_checkpointing=True, deterministic=True, **kwargs
        )
        t.fit(model, ToyDataModule(num_train=400), ckpt_path=ckpt_path, weights_only=False)
        return model

    reference = fit(tmp_path / "reference")
    fit(tmp_path / "resumed", max_steps=4)
    checkpoint = str(tmp_path / "resumed" / "epoch=0-step=4.ckpt")
    assert "discriminator_ema.module.head.weight" in torch.load(checkpoint, weights_only=False)["state_dict"]
    resumed = fit(tmp_path / "resumed", ckpt_path=checkpoint)
    for name, value in reference.discriminator_ema.state_dict().items():
        assert torch.equal(resumed.discriminator_ema.state_dict()[name], value), name
    assert int(resumed.discriminator_ema.n_averaged) == 4


@pytest.mark.parametrize("cls", [CatGAN, GAN, ImprovedGAN])
def test_every_adversarial_module_takes_d_ema_and_checks_it(cls):
    assert cls(image_shape=(2,), num_classes=3, d_ema_decay=0.999).discriminator_ema is not None
    with pytest.raises(ValueError, match="d_ema_decay must be in"):
        cls(image_shape=(2,), num_classes=3, d_ema_decay=0.0)
