"""Ensemble of each split's fits from their saved class probabilities: per split, the members'
mean error, the first fit's error and the ensemble's, on validation then test (percent); then the means over the
splits with all members. The *_probs.pt files stay in the run folder (runs/digits/vs_ens3, not committed; rerun:
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/digits_catgan.yaml --seeds 130-145 --restarts 3 --ensemble
--metric val/acc --out runs/digits/vs_ens3 -- --data.init_args.num_labeled 100 --data.init_args.val_per_split true).
    python ensemble.py runs/digits/vs_ens3    # output: ensemble_output.txt
"""
import glob, torch, json, sys, re
from collections import defaultdict
d = sys.argv[1]
groups = defaultdict(list)
for f in sorted(glob.glob(f"{d}/*_probs.pt")):
    s = int(re.search(r"seed(\d+)", f).group(1)); groups[s].append(torch.load(f))
rows = []
for s, mem in sorted(groups.items()):
    out = [s, len(mem)]
    for st in ("val", "test"):
        y = mem[0][st][1]
        single = [(p[st][0].argmax(1) != y).float().mean().item() for p in mem]
        ens = (torch.stack([p[st][0] for p in mem]).mean(0).argmax(1) != y).float().mean().item()
        out += [round(100 * sum(single) / len(single), 2), round(100 * single[0], 2), round(100 * ens, 2)]
    rows.append(out); print(out)
full = [r for r in rows if r[1] == max(r[1] for r in rows)]
import numpy as np
a = np.array([r[2:] for r in full]); print("n", len(full), "val: mean-member, first, ens; test: mean-member, first, ens", a.mean(0).round(2))
