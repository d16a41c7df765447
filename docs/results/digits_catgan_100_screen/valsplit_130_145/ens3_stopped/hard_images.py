"""Which test digits the 100-label default gets wrong across label splits and initializations.

Reads test_predictions.json (each fit's predicted class for the 500 test digits, the same images on every split:
split_seed 0's): 21 fits = tuning splits 130-136 x 3 initializations each (the default, `--restarts 3 --ensemble`,
stopped after 7 of 16 splits). Prints how many fits get each image wrong, the share of each fit's errors that
come from images most fits get wrong, and the most frequent confusions.  python hard_images.py
"""

import collections
import json
import os

data = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_predictions.json")))
labels = [int(c) for c in data["test_labels"]]
fits = [[int(c) for c in m["test_pred"]] for m in data["members"].values()]
wrong = [sum(f[i] != labels[i] for f in fits) for i in range(len(labels))]
n = len(fits)
print(f"{n} fits, {sum(wrong) / n:.2f} test errors per fit ({100 * sum(wrong) / n / len(labels):.2f} %)")
print("images wrong in k of the fits, k = 0..n:", [wrong.count(k) for k in range(n + 1)])
hard = [i for i in range(len(labels)) if wrong[i] >= n / 2]
per_fit = sum(wrong[i] for i in hard) / n
print(f"{len(hard)} images wrong in at least half the fits; they are {per_fit:.2f} of each fit's errors "
      f"({100 * per_fit / len(labels):.2f} % test error)")
confusions = collections.Counter((labels[i], f[i]) for f in fits for i in range(len(labels)) if f[i] != labels[i])
print("most frequent confusions (true, predicted): count over fits:", confusions.most_common(10))
