#!/bin/bash
# bash test.sh SPLIT: configs/mnist_conv_catgan_fm_consistency_100.yaml (CatGAN conv D, MLP feature-matching G,
# augmentation consistency on D) on a report label split, all 60,000 training images unlabeled (val_size 0), one
# thread, bf16; the record and its per-epoch curve land in this folder. Resumes from runs/conv_test if stopped.
s=$1
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_conv_catgan_fm_consistency_100.yaml --seeds $s \
  --curve --out docs/results/mnist_conv_catgan_fm_consistency_test --run-dir runs/conv_test -- \
  --data.init_args.download true --data.init_args.val_size 0
