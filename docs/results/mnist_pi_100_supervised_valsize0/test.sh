#!/bin/bash
# bash test.sh SPLIT: the supervised baseline configs/mnist_pi_100_supervised.yaml (CatGAN's PI-MNIST D on the 100
# labeled images only, 20 epochs) on report split SPLIT (0, 1 or 2), no validation split (val_size 0: labels drawn from
# all 60,000 training images), one thread; record and per-epoch curve written here. Resumes from runs/mnist_pi_supervised.
s=${1:?usage: bash test.sh SPLIT (0, 1 or 2)}
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
R=runs/mnist_pi_supervised
mkdir -p $R
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_pi_100_supervised.yaml --seeds $s --curve \
  --out docs/results/mnist_pi_100_supervised_valsize0 --run-dir $R/runs -- --torch_threads 1 --data.init_args.val_size 0 \
  >> $R/log_s$s.txt 2>&1
