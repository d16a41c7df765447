"""pytest at the repository root: README.md and the docs site's pages (docs/**/*.md, not the records under
docs/results/) run as tests, block by block, by the conventions of tests/markdown_blocks.py. They are collected
when named (``pytest README.md docs``) or listed in pyproject.toml's testpaths."""

from tests.markdown_blocks import documentation_pages

pytest_collect_file = documentation_pages().pytest()
