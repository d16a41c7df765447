"""Shared test setup: no network, no W&B uploads, one thread (the models are tiny), an in-process CLI,
and ``load_script`` for the scripts/ files (they are not a package)."""

import importlib.util
import os
import sys
from pathlib import Path

os.environ.setdefault("WANDB_MODE", "disabled")
os.environ.setdefault("WANDB_SILENT", "true")

import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = os.path.join(REPO, "configs")


def load_script(name: str):
    """Import ``scripts/<name>.py`` as a module (as ``<name>_script``)."""
    spec = importlib.util.spec_from_file_location(f"{name}_script", os.path.join(REPO, "scripts", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fit_checkpoint(run_cli, config: str, epochs: int, *extra: str) -> str:
    """Fit ``config`` for ``epochs`` epochs through ``run_cli`` (no logger, no test) and return its last checkpoint."""
    cli = run_cli(
        "fit",
        "--config",
        config,
        "--trainer.max_epochs",
        str(epochs),
        "--test_after_fit",
        "false",
        *extra,
        logger="false",
    )
    return str(Path(cli.trainer.checkpoint_callback.dirpath) / "last.ckpt")


@pytest.fixture
def run_cli(tmp_path):
    """Run ``catgan <args>`` in-process with a CSV logger and every output under ``tmp_path``."""
    from catgan.cli import main

    def run(*args: str, logger: str = "CSVLogger"):
        extra = [
            "--trainer.default_root_dir",
            str(tmp_path),
            "--trainer.enable_progress_bar",
            "false",
            "--trainer.enable_model_summary",
            "false",
            "--checkpoint.dirpath",
            str(tmp_path / "checkpoints"),
        ]
        if logger == "CSVLogger":
            extra += ["--trainer.logger", "CSVLogger", "--trainer.logger.save_dir", str(tmp_path)]
        elif logger == "false":
            extra += ["--trainer.logger", "false"]
        return main(args=[args[0], *extra, *args[1:]])

    yield run
    wandb = sys.modules.get("wandb")
    if wandb is not None:  # a default-logger run: close it and its settings for the next test
        if wandb.run is not None:
            wandb.finish()
        wandb.teardown()


def quiet_trainer(**overrides):
    """A Trainer for unit fits: no logger, checkpoints, progress bar, summary, sanity check or validation."""
    import lightning.pytorch as pl

    settings = dict(
        max_epochs=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        limit_val_batches=0,
    )
    return pl.Trainer(**{**settings, **overrides})


# tests/walkthrough.md runs as a test, block by block (tests/markdown_blocks.py)
from tests.markdown_blocks import MarkdownPages  # noqa: E402

pytest_collect_file = MarkdownPages(Path(__file__).parent, lambda path: path == Path("walkthrough.md")).pytest()
