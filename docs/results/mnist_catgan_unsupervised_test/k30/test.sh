#!/bin/bash
# bash test.sh NAME SEED [extra]: unsupervised MNIST (the shipped config + extra) on a test seed, test clustering error (many-to-one)
n=$1; s=$2; shift 2
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/unsup
R=runs/unsup
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_catgan_unsupervised.yaml --seeds $s --curve --metric test/cluster_acc_majority \
  --out $R/test_$n --run-dir $R/test_runs_$n -- --torch_threads 1 --model.init_args.fused_adam true "$@" >> $R/log_test_$n.txt 2>&1
