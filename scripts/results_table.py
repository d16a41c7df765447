"""Recompute the results table of the README and of the docs site's front pages, and docs/results/README.md (the index of record folders) from the JSON
records under docs/results.

    python scripts/results_table.py            # rewrite both
    python scripts/results_table.py --check    # exit 1 when either file differs from what the records give

The table's rows are docs/results/claims.yaml (task, method, config, record folder, metric, splits, published
number); each mean ± std is computed here from the records (catgan/results_table.py). To add a row: put the
records in a folder under docs/results, add its claim to claims.yaml, run this script.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

from catgan.results_table import RESULTS, index_markdown, load_claims, readme_table, write_readme_table
from catgan.runs import repo_root

# the pages that carry the table between the markers, and how each links to docs/results
TABLE_PAGES = {"README.md": RESULTS, "docs/index.md": "results", "docs/experiments/index.md": "../results"}


def expected(root: str) -> dict:
    """{path: the text it should have}: the pages with the regenerated table and the records index."""
    claims = load_claims(os.path.join(root, RESULTS, "claims.yaml"))
    wanted = {}
    for page, link in TABLE_PAGES.items():
        path = os.path.join(root, page)
        with open(path) as f:
            wanted[path] = write_readme_table(f.read(), readme_table(claims, root, link))
    wanted[os.path.join(root, RESULTS, "README.md")] = index_markdown(root)
    return wanted


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a file is stale")
    parser.add_argument("--root", default=repo_root(), help="the repository root (default: this checkout)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        wanted = expected(args.root)
    except ValueError as error:
        parser.error(str(error))
    stale = []
    for path, text in wanted.items():
        current = open(path).read() if os.path.exists(path) else None
        if current != text:
            stale.append(os.path.relpath(path, args.root))
            if not args.check:
                with open(path, "w") as f:
                    f.write(text)
    if args.check and stale:
        print(f"results_table.py: stale: {', '.join(stale)}; run python scripts/results_table.py", file=sys.stderr)
        return 1
    print(f"results_table.py: {'rewrote ' + ', '.join(stale) if stale else 'up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
