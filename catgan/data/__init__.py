"""Semi-supervised LightningDataModules: the shared base, your own data (``SemiSupervisedDataModule``) and the built-in data sets."""

from catgan.data.base import BaseSemiSupervisedDataModule, Splits, balanced_label_indices
from catgan.data.custom import SemiSupervisedDataModule
from catgan.data.digits import DigitsDataModule
from catgan.data.toy import ToyDataModule
from catgan.data.vision import (
    CIFAR10DataModule,
    FashionMNISTDataModule,
    MNISTDataModule,
    SVHNDataModule,
    TorchvisionDataModule,
)

__all__ = [
    "BaseSemiSupervisedDataModule",
    "CIFAR10DataModule",
    "DigitsDataModule",
    "FashionMNISTDataModule",
    "MNISTDataModule",
    "SemiSupervisedDataModule",
    "SVHNDataModule",
    "Splits",
    "ToyDataModule",
    "TorchvisionDataModule",
    "balanced_label_indices",
]
