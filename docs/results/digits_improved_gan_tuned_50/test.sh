#!/bin/bash
# bash test.sh [SPLITS]: Improved-GAN with its settings tuned for the digits (configs/digits_improved_gan.yaml: joint
# batch norm over weight-normalized layers, D averaged), 50 labels, report splits SPLITS (default 0-9), one thread, test
# error with the final weights; records written here.
splits=${1:-0-9}
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/digits
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/digits_improved_gan.yaml --seeds $splits --workers 2 \
    --out docs/results/digits_improved_gan_tuned_50 -- --torch_threads 1 >> runs/digits/log_improved_gan_tuned_50.txt 2>&1
