"""Helpers for tests/test_resume.py that a subprocess imports (``tests.resume_helpers.KillAtStep``)."""

import os
import signal

import lightning.pytorch as pl


class KillAtStep(pl.Callback):
    """SIGKILLs its own process once ``trainer.global_step`` reaches ``step``: no cleanup, no final save."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step >= self.step:
            os.kill(os.getpid(), signal.SIGKILL)
