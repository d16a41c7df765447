#!/bin/bash
# bash test.sh [SPLITS]: the default digits job as these records ran it (this folder's config.yaml, the settings of
# configs/digits_catgan.yaml: CatGAN, MLP D, 50 labels, 200 epochs) on report splits SPLITS (default 0-9), test error
# with the final weights; records written here.
splits=${1:-0-9}
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/digits
OMP_NUM_THREADS=1 python scripts/reproduce.py --config docs/results/digits_catgan_prev_default_50/config.yaml \
    --seeds $splits --workers 2 --out docs/results/digits_catgan_prev_default_50 >> runs/digits/log_prev_default_50.txt 2>&1
