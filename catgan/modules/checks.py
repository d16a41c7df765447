"""Building the networks of a module and the checks that run before any training step: networks given as
instances or factories, shapes that fit the data (``image_shape``), a checkpoint of the right model class."""

from __future__ import annotations

import os
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import lightning.pytorch as pl
import torch
from torch import nn


def build_network(
    spec: Union[None, nn.Module, Callable[..., nn.Module]], default: Callable[..., nn.Module], *args
) -> nn.Module:
    """``spec`` if it is a module, ``spec(*args)`` if it is a factory, else ``default(*args)``."""
    if spec is None:
        return default(*args)
    if isinstance(spec, nn.Module):
        return spec
    if callable(spec):
        return spec(*args)
    raise TypeError(f"Expected an nn.Module, a factory of one, or None; got {type(spec).__name__}.")


def check_network_shapes(
    generator: Optional[nn.Module],
    discriminator: nn.Module,
    latent_dim: int,
    image_shape: Sequence[int],
    num_outputs: int,
) -> None:
    """Dry-run the networks on two examples (eval mode, no grad, nothing updated) and raise a clear
    error if G's output or D's input/output does not match the data's ``image_shape``."""
    image_shape = tuple(image_shape)
    modules = [m for m in (generator, discriminator) if m is not None]
    modes = [m.training for m in modules]
    try:
        for m in modules:
            m.eval()
        with torch.no_grad():
            device = next(discriminator.parameters()).device
            if generator is not None:
                fake = generator(torch.zeros(2, latent_dim, device=device))
                if tuple(fake.shape[1:]) != image_shape:
                    raise ValueError(
                        f"The generator makes examples of shape {tuple(fake.shape[1:])} but the data's "
                        f"image_shape is {image_shape}: build it for the data (out_shape={image_shape})."
                    )
            try:
                scores = discriminator(torch.zeros(2, *image_shape, device=device))
            except RuntimeError as error:
                raise ValueError(
                    f"The discriminator does not accept examples of the data's image_shape {image_shape} "
                    f"({error}): build it for the data (in_shape={image_shape})."
                ) from error
            if tuple(scores.shape) != (2, num_outputs):
                raise ValueError(
                    f"The discriminator returns shape {tuple(scores.shape[1:])} per batch of 2, expected "
                    f"({num_outputs},) outputs per example: build it with num_outputs={num_outputs}."
                )
    finally:
        for m, mode in zip(modules, modes):
            m.train(mode)


DEFAULT_IMAGE_SHAPE = (1, 8, 8)  # the embedded digits


def resolve_image_shape(
    image_shape: Optional[Sequence[int]], generator: object, discriminator: object, latent_dim: int
) -> Tuple[int, ...]:
    """``image_shape`` as given; when it is None, the shape a generator *instance* makes (or a discriminator
    instance's ``in_shape``), else the digits' (1, 8, 8). A given ``image_shape`` that disagrees with the
    networks is an error naming both shapes."""
    inferred, source = None, ""
    if isinstance(generator, nn.Module):
        was_training = generator.training
        try:
            generator.eval()
            device = next(iter(generator.parameters()), torch.zeros(0)).device
            with torch.no_grad():
                inferred = tuple(generator(torch.zeros(2, latent_dim, device=device)).shape[1:])
        except RuntimeError as error:
            raise ValueError(
                f"The generator does not accept latent vectors of latent_dim={latent_dim} ({error}): "
                "pass the latent_dim it was built for."
            ) from error
        finally:
            generator.train(was_training)
        source = "the generator makes examples of shape"
    elif isinstance(discriminator, nn.Module) and getattr(discriminator, "in_shape", None) is not None:
        inferred, source = tuple(int(s) for s in discriminator.in_shape), "the discriminator takes examples of shape"
    if image_shape is None:
        return inferred if inferred is not None else DEFAULT_IMAGE_SHAPE
    image_shape = tuple(int(s) for s in image_shape)
    if inferred is not None and inferred != image_shape:
        raise ValueError(
            f"image_shape={image_shape} was given (by you or linked from the data), but {source} "
            f"{inferred}: leave image_shape out to take it from the networks, or build the networks "
            f"for {image_shape}."
        )
    return image_shape


def check_data_matches(module: pl.LightningModule) -> None:
    """Raise if the trainer's data module describes other examples than the model was built for."""
    datamodule = getattr(module.trainer, "datamodule", None) if module._trainer is not None else None
    if datamodule is None:
        return
    data_shape, model_shape = getattr(datamodule, "image_shape", None), getattr(module, "image_shape", None)
    if data_shape is not None and tuple(data_shape) != tuple(model_shape):
        raise ValueError(
            f"The data's image_shape {tuple(data_shape)} differs from the model's {tuple(model_shape)}: "
            "pass model image_shape from the data (the CLI links it)."
        )
    data_classes = getattr(datamodule, "num_classes", None)
    if data_classes is not None and data_classes != getattr(module, "num_classes", data_classes):
        raise ValueError(
            f"The data has {data_classes} classes but the model was built for {module.num_classes}: "
            "pass model num_classes from the data (the CLI links it)."
        )


def model_class_name(module: Union[nn.Module, type]) -> str:
    cls = module if isinstance(module, type) else type(module)
    return f"{cls.__module__}.{cls.__qualname__}"


def check_checkpoint_file_class(cls: type, path: object, weights_only: Optional[bool]) -> None:
    """``check_checkpoint_class`` before ``cls`` is built from the checkpoint file at ``path`` (a module whose
    arguments go on as ``**kwargs`` would otherwise fail on another class's saved arguments first)."""
    if isinstance(path, (str, os.PathLike)) and os.path.isfile(path):
        check_checkpoint_class(cls, torch.load(path, map_location="cpu", weights_only=bool(weights_only)))


def check_checkpoint_class(module: Union[nn.Module, type], checkpoint: Dict[str, object]) -> None:
    saved = checkpoint.get("catgan_model_class")
    if saved is not None and saved != model_class_name(module):
        raise ValueError(
            f"This checkpoint holds a {saved}, not a {model_class_name(module)}: load it with "
            f"{saved.rsplit('.', 1)[-1]}.load_from_checkpoint (or --model {saved})."
        )
