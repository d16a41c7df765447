"""catgan: Categorical GANs (Springenberg 2016) and GAN baselines for semi-supervised learning, in Lightning.

Public names: ``catgan.CatGAN``, ``catgan.GAN``, ``catgan.ImprovedGAN``, ``catgan.SupervisedClassifier``
(LightningModules), ``catgan.losses`` (pure loss functions), ``catgan.nets`` (networks), ``catgan.data``
(data modules). The modules are imported on first use (``from catgan import CatGAN`` works as usual), so the
console script's help answers without loading torch and Lightning.
"""

import importlib

__version__ = "0.1.0"
__all__ = ["AdversarialModule", "CatGAN", "GAN", "ImprovedGAN", "SupervisedClassifier", "__version__"]


def __getattr__(name: str):
    if name in __all__:
        return getattr(importlib.import_module("catgan.modules"), name)
    raise AttributeError(f"module 'catgan' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
