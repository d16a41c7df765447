"""The supervised baseline learns from labeled batches only."""

import lightning.pytorch as pl

from catgan import SupervisedClassifier
from catgan.data import ToyDataModule


def test_supervised_baseline_learns_blobs():
    pl.seed_everything(0)
    dm = ToyDataModule(kind="blobs", num_blobs=4, num_labeled=40, labeled_batch_size=40)
    model = SupervisedClassifier(image_shape=dm.image_shape, num_classes=dm.num_classes, lr=1e-2)
    trainer = pl.Trainer(
        max_epochs=10, logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False
    )
    trainer.fit(model, dm)
    accuracy = trainer.test(model, dm, verbose=False)[0]["test/acc"]
    assert accuracy > 0.9


def test_supervised_baseline_refuses_unlabeled_data():
    dm = ToyDataModule(kind="moons", num_labeled=0)
    model = SupervisedClassifier(image_shape=(2,), num_classes=2)
    trainer = pl.Trainer(max_epochs=1, logger=False, enable_checkpointing=False, enable_progress_bar=False)
    try:
        trainer.fit(model, dm)
    except ValueError as error:
        assert "num_labeled > 0" in str(error)
    else:
        raise AssertionError("fit without labels should fail")
