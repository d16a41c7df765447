"""Per split, the three-fit ensemble's test errors and how many of the hard digits (wrong in at least half of the 21
fits) are among them. Reads the *_probs.pt files in the run folder (not committed; see ensemble.py for the command).
    python hard_in_ensembles.py runs/digits/vs_ens3    # output: hard_in_ensembles_output.txt
"""

import collections
import glob
import re
import sys

import torch

fits = collections.defaultdict(list)
for f in sorted(glob.glob(f"{sys.argv[1]}/*_probs.pt")):
    fits[int(re.search(r"seed(\d+)", f).group(1))].append(torch.load(f)["test"])
wrong = sum((p.argmax(1) != y).int() for m in fits.values() for p, y in m)
n = sum(len(m) for m in fits.values())
hard = wrong >= n / 2
for split, members in sorted(fits.items()):
    y = members[0][1]
    errors = torch.stack([p for p, _ in members]).mean(0).argmax(1) != y
    print(f"split {split}: ensemble errors {int(errors.sum())}, of which hard {int(errors[hard].sum())} of {int(hard.sum())}")
