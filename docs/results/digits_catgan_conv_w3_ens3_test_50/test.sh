#!/bin/bash
# bash test.sh: an ensemble of three fits of digits_catgan_conv.yaml per label split (three initializations, the mean
# of their class probabilities), 50 labels, report splits 0-9 (no choice looked at them), test error with the final
# weights; records written here (each member's record and probabilities, one *_ensemble3_* record per split).
# The first fit of each split is the single fit of ../digits_catgan_conv_w3_test_50/ (the same numbers, to the digit).
# The members' class probabilities (*_probs.pt, which the ensemble records average) are not kept in git: this
# script writes them again (the same numbers: CPU training is deterministic).
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/digits
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/digits_catgan_conv.yaml --seeds 0-9 --workers 2 --restarts 3 \
    --ensemble --out docs/results/digits_catgan_conv_w3_ens3_test_50 --run-dir runs/test/ens3_50 \
    >> runs/digits/log_ens3_test_50.txt 2>&1
