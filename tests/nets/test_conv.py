"""The paper's conv networks: shapes for MNIST and CIFAR-10, features vs forward, the 1x1-conv equivalence."""

import pytest
import torch
import torch.nn.functional as F

from catgan.nets import ConvDiscriminator, ConvGenerator


@pytest.mark.parametrize(
    "shape, widths",
    [((1, 28, 28), (32, 64, 64, 128)), ((3, 32, 32), (96, 192, 192, 192)), ((1, 30, 30), (8, 8, 8, 16))],
)
def test_generator_and_discriminator_shapes(shape, widths):
    torch.manual_seed(0)
    generator = ConvGenerator(16, shape, base_channels=8, hidden_channels=(8, 8))
    discriminator = ConvDiscriminator(shape, 10, widths=widths)
    fake = generator(torch.rand(4, 16) * 2 - 1)
    assert fake.shape == (4, *shape)
    assert 0.0 <= float(fake.detach().min()) and float(fake.detach().max()) <= 1.0  # sigmoid output
    assert discriminator(fake).shape == (4, 10)
    assert discriminator.features(fake).shape == (4, widths[-1])


def test_generator_start_size_follows_the_output_size():
    assert ConvGenerator(8, (1, 28, 28)).start == (7, 7)
    assert ConvGenerator(8, (3, 32, 32)).start == (8, 8)
    assert ConvGenerator(8, (1, 30, 30)).start == (8, 8)  # 32x32 made, center-cropped to 30x30


def test_forward_is_the_head_of_the_features_and_equals_a_1x1_conv_then_global_pool():
    torch.manual_seed(0)
    discriminator = ConvDiscriminator((1, 28, 28), 10).eval()
    x = torch.rand(3, 1, 28, 28)
    logits = discriminator(x)
    torch.testing.assert_close(logits, discriminator.head(discriminator.features(x)))
    maps = discriminator.body[:-2](x)  # (3, 128, 6, 6), before the global pool
    assert maps.shape == (3, 128, 6, 6)
    weight = discriminator.head.weight.view(10, 128, 1, 1)
    paper = F.conv2d(maps, weight, discriminator.head.bias).mean(dim=(2, 3))  # conv1x1-K, then global average pool
    torch.testing.assert_close(logits, paper, rtol=1e-5, atol=1e-5)


def test_noise_only_in_training_mode():
    torch.manual_seed(0)
    discriminator = ConvDiscriminator((1, 28, 28), 10, noise_std=0.3)
    x = torch.rand(8, 1, 28, 28)
    discriminator.train()
    assert not torch.allclose(discriminator(x), discriminator(x))
    discriminator.eval()
    torch.testing.assert_close(discriminator(x), discriminator(x))


def test_gradients_reach_the_generator_through_the_discriminator():
    torch.manual_seed(0)
    generator, discriminator = ConvGenerator(8, (1, 28, 28)), ConvDiscriminator((1, 28, 28), 10)
    discriminator(generator(torch.rand(4, 8))).logsumexp(dim=1).mean().backward()
    assert generator.fc[0].weight.grad.abs().sum() > 0
    assert discriminator.body[1].weight.grad.abs().sum() > 0


def test_flat_shapes_are_rejected_with_the_fix():
    with pytest.raises(ValueError, match="flatten: false"):
        ConvDiscriminator((784,), 10)
    with pytest.raises(ValueError, match="flatten: false"):
        ConvGenerator(8, (784,))
    with pytest.raises(ValueError, match="widths"):
        ConvDiscriminator((1, 28, 28), 10, widths=(32, 64))
    with pytest.raises(ValueError, match="too small"):
        ConvDiscriminator((1, 5, 5), 10)


def test_channels_last_is_the_same_function_with_weights_in_nhwc():
    torch.manual_seed(0)
    plain = ConvDiscriminator((1, 28, 28), 10).eval()
    torch.manual_seed(0)
    nhwc = ConvDiscriminator((1, 28, 28), 10, channels_last=True).eval()
    conv = nhwc.body[6]  # conv3x3 32 -> 64 (the first conv's single input channel is alike in both layouts)
    assert conv.weight.shape == (64, 32, 3, 3)
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert not plain.body[6].weight.is_contiguous(memory_format=torch.channels_last)
    x = torch.rand(4, 1, 28, 28)
    torch.testing.assert_close(nhwc(x), plain(x), rtol=1e-5, atol=1e-5)
    nhwc.load_state_dict(plain.state_dict())  # a checkpoint of either layout loads into the other
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    nhwc(x).sum().backward()
    assert conv.weight.grad.abs().sum() > 0
