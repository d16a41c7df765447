#!/bin/bash
# bash test.sh SPLIT: the shipped mnist_pi_catgan_100.yaml (VAT, lr_g 2e-3, flat 60 epochs) on a test split,
# all 60,000 training images unlabeled (val_size 0), bf16 + fused Adam, one thread
s=$1
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
R=runs/vat_test2
mkdir -p $R
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_pi_catgan_100.yaml --seeds $s --curve \
  --out $R/results --run-dir $R/runs -- --torch_threads 1 --data.init_args.val_size 0 \
  --model.init_args.fused_adam true --trainer.precision bf16-mixed >> $R/log_s$s.txt 2>&1
