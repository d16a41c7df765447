#!/bin/bash
# bash run.sh SEED [extra]: unsupervised MNIST test seed with the shipped config.
# (its records' VAT overrides, vat_weight 10, vat_neighbors 10, vat_eps 0.25, vat_xi 10, options since removed, are
# the config's VAT now: without them the same settings run)
s=$1; shift
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/unsup_test
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_catgan_unsupervised.yaml --seeds $s --curve --metric test/cluster_acc_majority \
  --out runs/unsup_test/out --run-dir runs/unsup_test/runs -- --torch_threads 1 --model.init_args.fused_adam true "$@" >> runs/unsup_test/log_$s.txt 2>&1
