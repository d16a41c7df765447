#!/bin/bash
# CatGAN recipe (mnist_pi_catgan_100.yaml since 2026-12-02: G by feature matching alone), test split $1,
# all 60,000 training images unlabeled (val_size 0), 100 epochs. Resumes from its run-dir.
s=$1
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/catgan_fm_test
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_pi_catgan_100.yaml --seeds $s --curve --out runs/catgan_fm_test/results --run-dir runs/catgan_fm_test/runs -- --torch_threads 1 --data.init_args.val_size 0 >> runs/catgan_fm_test/log_s$s.txt 2>&1
