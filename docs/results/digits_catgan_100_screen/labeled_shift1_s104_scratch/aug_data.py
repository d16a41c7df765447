"""Scratch: digits with random +-shift translations of training batches (zero padding)."""
import torch
import torch.nn.functional as F
from catgan.data import DigitsDataModule


def shift_images(x, max_shift, generator=None):
    b = x.shape[0]
    img = x.reshape(b, 1, 8, 8)
    p = max_shift
    padded = F.pad(img, (p, p, p, p))
    dx = torch.randint(0, 2 * p + 1, (b,), generator=generator)
    dy = torch.randint(0, 2 * p + 1, (b,), generator=generator)
    rows = (dy[:, None] + torch.arange(8)[None, :])  # (B, 8)
    cols = (dx[:, None] + torch.arange(8)[None, :])
    out = padded[torch.arange(b)[:, None, None], 0, rows[:, :, None], cols[:, None, :]]  # (B, 8, 8)
    return out.reshape(x.shape)


class ShiftDigits(DigitsDataModule):
    def __init__(self, *args, max_shift: int = 1, shift_labeled: bool = True, shift_unlabeled: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_shift, self.shift_labeled, self.shift_unlabeled = max_shift, shift_labeled, shift_unlabeled

    def on_after_batch_transfer(self, batch, dataloader_idx):
        if self.trainer is not None and self.trainer.training and isinstance(batch, dict) and self.max_shift > 0:
            batch = dict(batch)
            if self.shift_unlabeled:
                batch["unlabeled"] = shift_images(batch["unlabeled"], self.max_shift)
            if self.shift_labeled and "labeled" in batch:
                x, y = batch["labeled"]
                batch["labeled"] = (shift_images(x, self.max_shift), y)
        return batch
