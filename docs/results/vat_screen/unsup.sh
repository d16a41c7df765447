#!/bin/bash
# bash unsup.sh NAME SEED [extra]: unsupervised MNIST (the shipped config) on a tuning seed, validation metric.
# Its records' --model.init_args.vat_weight W --model.init_args.vat_eps E (options since removed) run now as
#   --model.init_args.d_regularizers '[{"class_path": "catgan.regularizers.VAT", "init_args": {"weight": W, "eps": E}}]'
n=$1; s=$2; shift 2
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/vat
R=runs/vat
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_catgan_unsupervised.yaml --seeds $s --curve --metric val/cluster_acc_majority \
  --out $R/unsup_$n --run-dir $R/unsup_runs_$n -- --torch_threads 1 --model.init_args.fused_adam true "$@" >> $R/log_unsup_$n.txt 2>&1
