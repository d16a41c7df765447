#!/bin/bash
# bash test.sh SPLIT: the shipped mnist_pi_catgan_100.yaml (with VAT) on a test split, all 60,000 training images unlabeled (val_size 0), bf16 + fused Adam, one thread
s=$1
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/vat_test
R=runs/vat_test
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_pi_catgan_100.yaml --seeds $s --curve \
  --out $R/results --run-dir $R/runs -- --torch_threads 1 --data.init_args.val_size 0 \
  --model.init_args.fused_adam true --trainer.precision bf16-mixed >> $R/log_s$s.txt 2>&1
