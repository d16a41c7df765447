"""LightningModules: the shared adversarial base, CatGAN, binary GANs and the supervised baseline."""

from catgan.modules.base import AdversarialModule
from catgan.modules.catgan import CatGAN
from catgan.modules.gan import GAN
from catgan.modules.improved_gan import ImprovedGAN
from catgan.modules.supervised import SupervisedClassifier

__all__ = ["AdversarialModule", "CatGAN", "GAN", "ImprovedGAN", "SupervisedClassifier"]
