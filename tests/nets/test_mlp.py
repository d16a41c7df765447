"""MLP networks and their layers: shapes, noise only in training, frozen batch-norm statistics."""

import pytest
import torch
from torch import nn

from catgan.nets import (
    GaussianNoise,
    MLPDiscriminator,
    MLPGenerator,
    WeightNormMLPDiscriminator,
    frozen_batch_norm_stats,
)


def test_gaussian_noise_only_in_training():
    layer = GaussianNoise(0.5)
    x = torch.zeros(1000, 4)
    assert 0.45 < layer.train()(x).std() < 0.55
    assert torch.equal(layer.eval()(x), x)


def test_frozen_batch_norm_stats_normalizes_but_does_not_update():
    bn = nn.BatchNorm1d(3).train()
    x = torch.randn(32, 3) * 4 + 7
    with frozen_batch_norm_stats(bn):
        y = bn(x)
    assert torch.allclose(y.mean(0), torch.zeros(3), atol=1e-5)  # batch statistics were used
    assert torch.equal(bn.running_mean, torch.zeros(3)) and bn.num_batches_tracked.item() == 0
    bn(x)  # outside the block the statistics move again
    assert bn.running_mean.abs().sum() > 0 and bn.track_running_stats


def test_mlp_shapes_and_features():
    d = MLPDiscriminator((1, 8, 8), 10, hidden=(32, 16), batch_norm=True).eval()
    x = torch.rand(5, 1, 8, 8)
    assert d(x).shape == (5, 10) and d.features(x).shape == (5, 16)
    assert torch.equal(d.head(d.features(x)), d(x))
    g = MLPGenerator(12, (1, 8, 8), hidden=(32,))
    out = g(torch.rand(5, 12))
    assert out.shape == (5, 1, 8, 8) and 0 <= out.min() and out.max() <= 1
    assert MLPGenerator(2, (2,), output="identity")(torch.randn(3, 2)).shape == (3, 2)
    with pytest.raises(ValueError, match="unknown output"):
        MLPGenerator(2, (2,), output="relu")


def test_features_before_activation_are_the_last_nonlinearitys_input_and_pass_the_full_gradient():
    torch.manual_seed(0)
    after = MLPDiscriminator((6,), 3, hidden=(8, 5), batch_norm=True, noise_std=0.0).eval()
    before = MLPDiscriminator((6,), 3, hidden=(8, 5), batch_norm=True, noise_std=0.0, features_before_activation=True)
    before.load_state_dict(after.state_dict())
    before.eval()
    x = torch.randn(16, 6, requires_grad=True)
    pre = before.features(x)  # (16, 5)
    assert torch.allclose(nn.functional.leaky_relu(pre, 0.1), after.features(x))
    assert (pre < 0).any() and torch.equal(before(x), after(x))  # the logits do not change
    # where a unit is negative, d feature / d pre-activation is 1 here and 0.1 after the nonlinearity
    unit = int((pre[:, 0] < 0).nonzero()[0])
    grad_before = torch.autograd.grad(before.features(x)[unit, 0], x)[0][unit]
    grad_after = torch.autograd.grad(after.features(x)[unit, 0], x)[0][unit]
    assert torch.allclose(grad_after, 0.1 * grad_before)
    with pytest.raises(ValueError, match="needs hidden layers"):
        MLPDiscriminator((6,), 3, hidden=(), features_before_activation=True)


def test_weight_norm_reparameterizes_every_linear_layer_with_the_same_shapes():
    torch.manual_seed(0)
    plain = MLPDiscriminator((1, 8, 8), 10, hidden=(32, 16))
    normed = WeightNormMLPDiscriminator((1, 8, 8), 10, hidden=(32, 16))
    x = torch.rand(5, 1, 8, 8)
    assert normed.eval()(x).shape == plain.eval()(x).shape == (5, 10)
    names = {n for n, _ in normed.named_parameters()}
    assert "head.parametrizations.weight.original0" in names and "head.weight" not in names
    assert not any("parametrizations" in n for n, _ in plain.named_parameters())
    with torch.no_grad():  # scaling g scales the layer's weight and nothing else
        normed.head.parametrizations.weight.original0.mul_(2.0)
    g = normed.head.parametrizations.weight.original0  # (10, 1)
    v = normed.head.parametrizations.weight.original1  # (10, 16)
    assert torch.allclose(normed.head.weight, g * v / v.norm(dim=1, keepdim=True))


def test_data_dependent_init_standardizes_each_layer_on_the_batch():
    torch.manual_seed(0)
    d = WeightNormMLPDiscriminator((20,), 4, hidden=(32, 16), negative_slope=0.0, noise_std=0.5).train()
    x = torch.rand(200, 20) * 3 + 1
    before = d.eval()(x)
    assert before.std(0).min() < 0.5 or before.mean(0).abs().max() > 0.2  # not standardized to begin with
    d.train()
    d.initialize_from_data(x)
    assert d.training  # mode restored
    d.eval()
    with torch.no_grad():
        hidden = d.body[2](d.body[0](x))  # first linear layer's pre-activations (noise off)
        out = d(x)
    for values in (hidden, out):
        assert torch.allclose(values.mean(0), torch.zeros(values.shape[1]), atol=1e-4)
        assert torch.allclose(values.std(0, unbiased=False), torch.ones(values.shape[1]), atol=1e-3)
    assert not hasattr(MLPDiscriminator((20,), 4, hidden=(32,)), "initialize_from_data")  # no weight norm: no init


def test_fixed_hidden_scale_trains_only_directions_biases_and_the_output_scale():
    def step(d):
        torch.manual_seed(1)
        d.initialize_from_data(torch.rand(64, 20))
        before = {n: p.detach().clone() for n, p in d.named_parameters()}
        opt = torch.optim.Adam([p for p in d.parameters() if p.requires_grad], lr=1e-2)
        d(torch.rand(16, 20)).logsumexp(1).mean().backward()
        opt.step()
        return {n: not torch.equal(before[n], p) for n, p in d.named_parameters()}

    torch.manual_seed(0)
    fixed = step(WeightNormMLPDiscriminator((20,), 4, hidden=(32, 16), train_hidden_scale=False))
    torch.manual_seed(0)
    trained = step(WeightNormMLPDiscriminator((20,), 4, hidden=(32, 16)))
    hidden_g = [n for n in fixed if n.startswith("body") and n.endswith("original0")]
    assert len(hidden_g) == 2
    assert not any(fixed[n] for n in hidden_g) and all(trained[n] for n in hidden_g)
    assert fixed["head.parametrizations.weight.original0"] and fixed["head.bias"]
    assert all(fixed[n] for n in fixed if n.endswith("original1"))  # directions v still learn


def test_direction_std_sets_the_size_of_the_directions():
    torch.manual_seed(0)
    default = WeightNormMLPDiscriminator((400,), 4, hidden=(300,))
    drawn = WeightNormMLPDiscriminator((400,), 4, hidden=(300,), direction_std=0.1)
    v_default = default.body[2].parametrizations.weight.original1  # (300, 400)
    v_drawn = drawn.body[2].parametrizations.weight.original1
    assert abs(float(v_drawn.std()) - 0.1) < 0.002  # N(0, 0.1^2): ||v|| ~ 0.1 * sqrt(400) = 2 per unit
    assert abs(float(v_drawn.norm(dim=1).mean()) - 2.0) < 0.05
    assert abs(float(v_default.norm(dim=1).mean()) - 3**-0.5) < 0.02  # nn.Linear's init
    x = torch.rand(64, 400)  # the data-dependent init still standardizes the layer
    drawn.initialize_from_data(x)
    with torch.no_grad():
        hidden = drawn.body[2](x)
    assert torch.allclose(hidden.std(0, unbiased=False), torch.ones(300), atol=1e-3)
    with pytest.raises(ValueError, match="direction_std must be > 0"):
        WeightNormMLPDiscriminator((20,), 4, direction_std=0.0)


def test_unit_scale_init_gives_unit_norm_rows_and_skips_the_data_pass():
    torch.manual_seed(0)
    d = WeightNormMLPDiscriminator((20,), 4, hidden=(32, 16), scale_init="unit")
    linears = [m for m in d.modules() if isinstance(m, torch.nn.Linear)]
    assert len(linears) == 3
    for layer in linears:
        assert torch.allclose(layer.weight.norm(dim=1), torch.ones(layer.out_features), atol=1e-5)
    state = {k: v.clone() for k, v in d.state_dict().items()}
    d.initialize_from_data(torch.rand(64, 20) * 5)
    assert all(torch.equal(state[k], v) for k, v in d.state_dict().items())
    data = WeightNormMLPDiscriminator((20,), 4, hidden=(32, 16))  # the default rescales g on the data
    data.initialize_from_data(torch.rand(64, 20) * 5)
    assert not torch.allclose(data.body[2].weight.norm(dim=1), torch.ones(32), atol=1e-2)
    with pytest.raises(ValueError, match="scale_init must be 'data' or 'unit'"):
        WeightNormMLPDiscriminator((20,), 4, scale_init="kaiming")


def test_generator_softplus_output_is_nonnegative_and_unbounded_above():
    torch.manual_seed(0)
    g = MLPGenerator(4, (6,), hidden=(8,), output="softplus", batch_norm=False)
    with torch.no_grad():
        g.net[-2].bias.fill_(3.0)  # pre-activations around 3: softplus passes them, sigmoid would squash
        out = g(torch.randn(50, 4))
    assert out.min() >= 0 and out.max() > 1.5


def test_adversarial_module_initializes_d_from_the_first_real_batch(tmp_path):
    import lightning.pytorch as pl

    from catgan import CatGAN
    from catgan.data import ToyDataModule

    calls = []

    class Recording(WeightNormMLPDiscriminator):
        def initialize_from_data(self, x):
            calls.append(x.shape)
            super().initialize_from_data(x)

    model = CatGAN(
        image_shape=(2,),
        num_classes=2,
        latent_dim=4,
        supervised_weight=0.0,
        generator=MLPGenerator(4, (2,), hidden=(8,), output="identity"),
        discriminator=Recording((2,), 2, hidden=(8,)),
    )
    pl.Trainer(
        max_epochs=1,
        limit_train_batches=3,
        limit_val_batches=0,
        logger=False,
        enable_progress_bar=False,
        enable_checkpointing=False,
        default_root_dir=str(tmp_path),
    ).fit(model, ToyDataModule(num_train=300))
    assert calls == [(100, 2)]  # once, on the first unlabeled batch


def test_generator_softplus_activation_and_output_weight_norm():
    g = MLPGenerator(6, (1, 4, 4), hidden=(8,), activation="softplus", output_weight_norm=True, batch_norm=False)
    assert isinstance(g.net[1], nn.Softplus) and isinstance(MLPGenerator(6, (4,), hidden=(8,)).net[2], nn.ReLU)
    assert hasattr(g.net[2], "parametrizations")  # the output layer is weight-normalized, unit-norm rows to start
    assert torch.allclose(g.net[2].weight.norm(dim=1), torch.ones(16), atol=1e-5)
    out = g(torch.rand(3, 6))
    assert out.shape == (3, 1, 4, 4) and 0 <= out.min() and out.max() <= 1
    with pytest.raises(ValueError, match="unknown activation"):
        MLPGenerator(2, (2,), activation="tanh")


@pytest.mark.parametrize("before_norm", [False, True])
def test_noise_sites_match_a_hand_computation(before_norm):
    # batch_norm=False and no slope, so each layer is relu(W h + b); the noise draws happen in layer order
    d = MLPDiscriminator(
        (6,),
        3,
        hidden=(5, 4),
        noise_std=0.7,
        input_noise_std=0.2,
        head_noise_std=0.05,
        negative_slope=0.0,
        noise_before_norm=before_norm,
    ).train()
    x = torch.randn(8, 6)
    torch.manual_seed(1)
    out = d(x)
    (l1, l2), head = [m for m in d.body if isinstance(m, nn.Linear)], d.head
    torch.manual_seed(1)
    h = x + 0.2 * torch.randn_like(x)  # the input noise comes first in both layouts
    if before_norm:  # Linear -> noise -> relu
        h = l1(h)
        h = (h + 0.7 * torch.randn_like(h)).relu()
        h = l2(h)
        h = (h + 0.7 * torch.randn_like(h)).relu()
    else:  # noise -> Linear -> relu
        h = l1(h).relu()
        h = l2(h + 0.7 * torch.randn_like(h)).relu()
    expected = head(h + 0.05 * torch.randn_like(h))
    assert torch.allclose(out, expected, atol=1e-6)
    stds = [m.std for m in d.modules() if isinstance(m, GaussianNoise)]
    assert stds == ([0.2, 0.7, 0.7, 0.05] if before_norm else [0.2, 0.7, 0.05])


def test_noise_before_norm_sits_between_linear_and_batch_norm_and_head_noise_can_be_off():
    d = MLPDiscriminator((6,), 3, hidden=(5, 4), batch_norm=True, noise_before_norm=True, head_noise_std=0.0)
    kinds = [type(m).__name__ for m in d.body]
    assert kinds == [
        "Flatten",
        "GaussianNoise",
        "Linear",
        "GaussianNoise",
        "BatchNorm1d",
        "LeakyReLU",
        "Linear",
        "GaussianNoise",
        "BatchNorm1d",
        "LeakyReLU",
    ]
    x = torch.randn(8, 6)
    d.train()
    torch.manual_seed(0)
    a = d(x)
    torch.manual_seed(0)
    assert torch.equal(d.head(d.body(x)), a)  # head noise 0: no extra draw, nothing added
    with pytest.raises(ValueError, match="head_noise_std must be >= 0"):
        MLPDiscriminator((6,), 3, head_noise_std=-0.1)
    with pytest.raises(ValueError, match="need hidden layers"):
        MLPDiscriminator((6,), 3, hidden=(), head_noise_std=0.0)
    with pytest.raises(ValueError, match="need hidden layers"):
        MLPDiscriminator((6,), 3, hidden=(), noise_before_norm=True)


def test_noisy_data_dependent_init_standardizes_noisy_inputs_and_gives_smaller_scales():
    x = torch.rand(500, 20) * 3 + 1
    nets = {}
    for noisy in (False, True):
        torch.manual_seed(0)  # the same directions v for both
        d = WeightNormMLPDiscriminator(
            (20,),
            4,
            hidden=(32, 16),
            negative_slope=0.0,
            noise_std=0.5,
            input_noise_std=0.3,
            data_init_noise=noisy,
        ).train()
        d.initialize_from_data(x)
        assert d.training and all(m.training for m in d.modules())  # modes restored
        nets[noisy] = d
    linear = [[m for m in nets[k].modules() if isinstance(m, nn.Linear)] for k in (False, True)]
    scales = [[lin.parametrizations.weight.original0.flatten() for lin in net] for net in linear]
    first_clean, first_noisy = scales[0][0], scales[1][0]
    assert (first_noisy < first_clean).all()  # noisy inputs have a larger spread: smaller g for unit variance
    torch.manual_seed(1)
    with torch.no_grad():  # the first layer's outputs on noisy inputs (train mode) have unit variance
        pre = linear[1][0](nets[True].body[1](x))
    assert torch.allclose(pre.std(0, unbiased=False), torch.ones(32), atol=0.12)
    # the deeper layers too: every layer's scales come out smaller on noisy inputs
    assert all((noisy < clean).float().mean() > 0.9 for clean, noisy in zip(scales[0][1:], scales[1][1:]))
    with pytest.raises(ValueError, match="data_init_noise=True needs scale_init='data'"):
        WeightNormMLPDiscriminator((20,), 4, scale_init="unit", data_init_noise=True)
    with pytest.raises(TypeError, match="data_init_noise"):  # the plain MLP has no weight norm to initialize
        MLPDiscriminator((20,), 4, data_init_noise=True)


def test_generator_batch_norm_without_scale_trains_only_the_shift():
    g = MLPGenerator(4, (3,), hidden=(8, 8), batch_norm_scale=False)
    norms = [m for m in g.modules() if isinstance(m, nn.BatchNorm1d)]
    assert len(norms) == 2 and all(not n.weight.requires_grad and n.bias.requires_grad for n in norms)
    opt = torch.optim.Adam([p for p in g.parameters() if p.requires_grad], lr=0.1)
    g(torch.rand(16, 4)).sum().backward()
    opt.step()
    assert all(torch.equal(n.weight, torch.ones(8)) for n in norms)  # scales stay at 1
    assert all(n.bias.abs().sum() > 0 for n in norms)  # shifts moved
    assert all(
        n.weight.requires_grad for n in MLPGenerator(4, (3,), hidden=(8,)).modules() if isinstance(n, nn.BatchNorm1d)
    )


def test_generator_glorot_init_draws_weights_within_glorots_bound_with_zero_biases():
    torch.manual_seed(0)
    g = MLPGenerator(100, (784,), hidden=(500, 500), batch_norm=False, weight_init="glorot")
    linear = [m for m in g.modules() if isinstance(m, nn.Linear)]
    for layer in linear:
        fan_out, fan_in = layer.weight.shape
        bound = (6 / (fan_in + fan_out)) ** 0.5
        assert layer.weight.abs().max() <= bound and layer.weight.abs().max() > 0.95 * bound
        assert torch.equal(layer.bias, torch.zeros_like(layer.bias))
    torch_init = [
        m for m in MLPGenerator(100, (784,), hidden=(500, 500), batch_norm=False).modules() if isinstance(m, nn.Linear)
    ]
    assert linear[1].weight.abs().max() > 1.5 * torch_init[1].weight.abs().max()  # sqrt(6/1000) vs 1/sqrt(500)
    with pytest.raises(ValueError, match="batch_norm_scale=False needs batch_norm=True"):
        MLPGenerator(4, (3,), batch_norm=False, batch_norm_scale=False)
    with pytest.raises(ValueError, match="weight_init must be 'torch' or 'glorot'"):
        MLPGenerator(4, (3,), weight_init="he")
