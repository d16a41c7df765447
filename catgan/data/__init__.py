"""Semi-supervised LightningDataModules: the shared base and the built-in data sets."""

from catgan.data.base import SemiSupervisedDataModule, Splits, balanced_label_indices
from catgan.data.digits import DigitsDataModule
from catgan.data.vision import MNISTDataModule, TorchvisionDataModule
from catgan.data.toy import ToyDataModule

__all__ = ["DigitsDataModule", "MNISTDataModule", "SemiSupervisedDataModule", "Splits", "ToyDataModule", "TorchvisionDataModule",
           "balanced_label_indices"]
