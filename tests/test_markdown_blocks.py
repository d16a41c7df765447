"""The runner of Markdown pages' code blocks (tests/markdown_blocks.py): how bash blocks are read and run, and
Sybil's skip marker. The pages themselves run as tests of their own (tests/walkthrough.md)."""

from pathlib import Path

import pytest

from tests.markdown_blocks import TINY, MarkdownPages, run_command, shell_commands, tiny_command


def test_bash_blocks_are_read_as_commands_with_continuations_comments_and_prompts():
    source = "# a comment\n$ catgan fit --config a.yaml \\\n    --trainer.max_epochs 2  # two\n\npython x.py 'a b'\n"
    assert shell_commands(source) == [
        ["catgan", "fit", "--config", "a.yaml", "--trainer.max_epochs", "2"],
        ["python", "x.py", "a b"],
    ]
    with pytest.raises(ValueError, match="continued line"):
        shell_commands("catgan fit \\\n")


def test_catgan_commands_get_the_tiny_arguments_last_so_they_win():
    command = tiny_command(["catgan", "fit", "--config", "a.yaml", "--trainer.max_epochs", "200"])
    assert command[:5] == ["fit", "--config", "a.yaml", "--trainer.max_epochs", "200"]
    assert command[5:] == TINY["fit"] and command[command.index("1") - 1] == "--trainer.max_epochs"
    assert tiny_command(["catgan", "sample", "--num", "4"]) == ["sample", "--num", "4"]


def test_other_commands_fail_and_name_the_skip_marker():
    with pytest.raises(ValueError, match='only catgan and python commands.*<!-- skip: next "why" -->'):
        run_command(["pip", "install", "catgan"])


def test_a_skip_marker_skips_the_next_block_with_its_reason_and_the_rest_run(tmp_path):
    from unittest import SkipTest

    page = tmp_path / "page.md"
    page.write_text(
        '```python\nx = 1\n```\n\n<!-- skip: next "needs a GPU" -->\n```bash\npip install nothing\n```\n\n'
        "```python\nassert x == 1\ny = 2\n```\n\n```text\nnot run\n```\n"
    )
    pages = MarkdownPages(tmp_path, lambda path: path == Path("page.md"))
    assert pages.should_parse(page) and not pages.should_parse(tmp_path / "other.md")
    document = pages.parse(page)
    pages.setup(document.namespace)
    outcomes = []
    try:
        for example in document.examples():
            try:
                example.evaluate()
                outcomes.append("ran")
            except SkipTest as skipped:
                outcomes.append(f"skipped: {skipped}")
    finally:
        pages.teardown(document.namespace)
    assert [o for o in outcomes if o != "ran"] == ["skipped: needs a GPU"]
    assert document.namespace["y"] == 2  # blocks share one namespace per page, in page order
