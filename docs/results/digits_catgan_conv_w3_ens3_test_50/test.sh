#!/bin/bash
# bash test.sh: an ensemble of three fits of digits_catgan_conv.yaml per label split (three initializations, the mean
# of their class probabilities), 50 labels, report splits 0-9 (no choice looked at them), test error with the final
# weights; records written here (each member's record and probabilities, one *_ensemble3_* record per split).
# The first fit of each split is the single fit of ../digits_catgan_conv_w3_test_50/ (the same numbers, to the digit).
cd /work/main && . .venv/bin/activate
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/digits_catgan_conv.yaml --seeds 0-9 --workers 2 --restarts 3 \
    --ensemble --out docs/results/digits_catgan_conv_w3_ens3_test_50 --run-dir /work/runs_test/ens3_50 \
    >> /work/main/runs/digits/log_ens3_test_50.txt 2>&1
