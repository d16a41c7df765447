#!/bin/bash
# bash run.sh SEED [extra]: unsupervised MNIST test seed with the shipped config
s=$1; shift
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/unsup_test
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_catgan_unsupervised.yaml --seeds $s --curve --metric test/cluster_acc_majority \
  --out runs/unsup_test/out --run-dir runs/unsup_test/runs -- --torch_threads 1 --model.init_args.fused_adam true "$@" >> runs/unsup_test/log_$s.txt 2>&1
