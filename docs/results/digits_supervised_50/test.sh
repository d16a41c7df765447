#!/bin/bash
# bash test.sh [SPLITS]: the supervised baseline configs/digits_supervised.yaml (the default job's MLP D on the 50
# labeled digits only), report splits SPLITS (default 0-9), test error with the final weights; records written here.
splits=${1:-0-9}
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/digits
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/digits_supervised.yaml --seeds $splits --workers 2 \
    --out docs/results/digits_supervised_50 >> runs/digits/log_supervised_50.txt 2>&1
