"""Code blocks of Markdown pages run as tests, with Sybil: README.md and the docs site's pages (docs/**/*.md, not the
records under docs/results/), wired in the repository's conftest.py; tests/walkthrough.md, wired in tests/conftest.py.

How a page's blocks run (one temporary working folder per page, holding a link to configs/, blocks in page order):

- ```python blocks run in one namespace per page. Lightning Trainers built in them take their defaults from
  ``PL_TRAINER_FAST_DEV_RUN=1`` (one batch per stage, no checkpoint), set while the page runs; arguments a block
  passes itself still win.
- ```bash blocks hold commands, one per line (``\\`` continues a line, ``#`` starts a comment, a leading ``$ `` is
  dropped). ``catgan <subcommand> ...`` runs in-process with :data:`TINY` appended (``fit``: one epoch of two
  batches), so a page can show the real command; ``python ...`` runs as a subprocess. Any other command fails
  the test: mark its block as skipped.
- ``<!-- skip: next "reason" -->`` on the line before a block skips it with that reason (Sybil's Markdown skip;
  ``<!-- skip: start "reason" -->`` ... ``<!-- skip: end -->`` skips every block between).
- Other fences (```text, ```yaml, ...) are shown, never run.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Dict, List

from sybil import Sybil
from sybil.parsers.markdown import CodeBlockParser, PythonCodeBlockParser, SkipParser

REPO = Path(__file__).resolve().parent.parent

# appended to each `catgan <subcommand>` of a bash block: a fit of seconds, and no progress bars in the test log
QUIET = ["--trainer.enable_progress_bar", "false"]
TINY: Dict[str, List[str]] = {
    "fit": "--trainer.max_epochs 1 --trainer.limit_train_batches 2 --trainer.limit_val_batches 1 "
    "--trainer.limit_test_batches 1 --trainer.enable_model_summary false".split()
    + QUIET,
    "validate": QUIET,
    "test": QUIET,
    "predict": QUIET,
}
PAGE_ENVIRONMENT = {"WANDB_MODE": "disabled", "WANDB_SILENT": "true", "PL_TRAINER_FAST_DEV_RUN": "1"}


def shell_commands(source: str) -> List[List[str]]:
    """The commands of a bash block, each split into words: continuation lines joined, comments and prompts dropped."""
    commands, pending = [], ""
    for line in source.splitlines():
        line = line.rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        words = shlex.split(line.strip().removeprefix("$ "), comments=True)
        if words:
            commands.append(words)
    if pending.strip():
        raise ValueError(f"the bash block ends inside a continued line: {pending.strip()!r}")
    return commands


def tiny_command(words: List[str]) -> List[str]:
    """``catgan <sub> ...`` as run by the tests: the page's arguments, then :data:`TINY`'s for that subcommand."""
    return words[1:] + TINY.get(words[1] if len(words) > 1 else "", [])


def run_command(words: List[str]) -> None:
    """One command of a bash block (see the module docstring)."""
    if words[0] == "catgan":
        from catgan.cli import main

        try:
            main(tiny_command(words))
        except SystemExit as stop:
            if stop.code not in (0, None):
                raise AssertionError(f"`{shlex.join(words)}` exited with {stop.code}") from None
    elif words[0] in ("python", "python3"):
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        done = subprocess.run([sys.executable, *words[1:]], env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise AssertionError(f"`{shlex.join(words)}` exited with {done.returncode}:\n{done.stderr[-3000:]}")
    else:
        raise ValueError(
            f"`{shlex.join(words)}`: only catgan and python commands run in a page's bash blocks; put "
            '<!-- skip: next "why" --> on the line before the block.'
        )


def run_bash_block(example) -> None:
    for words in shell_commands(example.parsed):
        run_command(words)


def enter_page_folder(namespace: dict) -> None:
    """Before a page: a fresh working folder with configs/ linked in, quiet W&B, fast Trainers."""
    folder = tempfile.mkdtemp(prefix="catgan-page-")
    os.symlink(REPO / "configs", os.path.join(folder, "configs"))
    namespace["_page"] = (os.getcwd(), folder, {key: os.environ.get(key) for key in PAGE_ENVIRONMENT})
    os.environ.update(PAGE_ENVIRONMENT)
    os.chdir(folder)


def leave_page_folder(namespace: dict) -> None:
    cwd, folder, environment = namespace.pop("_page")
    os.chdir(cwd)
    shutil.rmtree(folder, ignore_errors=True)
    for key, value in environment.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


class MarkdownPages(Sybil):
    """Sybil over the Markdown files under ``root`` that ``include`` (given the path relative to ``root``) picks."""

    def __init__(self, root: Path, include: Callable[[Path], bool]) -> None:
        super().__init__(
            parsers=[PythonCodeBlockParser(), CodeBlockParser("bash", run_bash_block), SkipParser()],
            setup=enter_page_folder,
            teardown=leave_page_folder,
        )
        self.path, self.include = Path(root).resolve(), include

    def should_parse(self, path: Path) -> bool:
        try:
            relative = Path(path).resolve().relative_to(self.path)
        except ValueError:
            return False
        return relative.suffix == ".md" and self.include(relative)


def documentation_pages() -> MarkdownPages:
    """README.md and the docs site's pages: docs/**/*.md except the result records under docs/results/."""
    return MarkdownPages(
        REPO,
        lambda p: p == Path("README.md") or (p.parts[0] == "docs" and len(p.parts) > 1 and p.parts[1] != "results"),
    )
