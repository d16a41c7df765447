"""catgan: Categorical GANs (Springenberg 2016) and GAN baselines for semi-supervised learning, in Lightning.

Public names: ``catgan.CatGAN``, ``catgan.GAN``, ``catgan.ImprovedGAN``, ``catgan.SupervisedClassifier``
(LightningModules), ``catgan.losses`` (pure loss functions), ``catgan.nets`` (networks), ``catgan.data``
(data modules).
"""

from catgan.modules import GAN, AdversarialModule, CatGAN, ImprovedGAN, SupervisedClassifier

__version__ = "0.1.0"
__all__ = ["AdversarialModule", "CatGAN", "GAN", "ImprovedGAN", "SupervisedClassifier", "__version__"]
