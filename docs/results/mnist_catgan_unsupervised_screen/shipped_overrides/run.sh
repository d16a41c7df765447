#!/bin/bash
# bash run.sh NAME SEED [extra]: unsupervised MNIST, the shipped config (2026-12-06) with overrides, on a tuning seed; records
# both val/cluster_acc (Hungarian, one-to-one) and val/cluster_acc_majority (many-to-one) per epoch (--curve); the
# metric named is the Hungarian one (the K = 10 question). Runs in runs/screen.
#   bash run.sh k10_xi10 100 --model.init_args.num_clusters 10
# (these screens ran on the config of 2026-12-06, VAT's step xi 1e-3, with xi 10 as an override; the config holds xi 10
# since. The 2026-12-06 VAT: --model.init_args.d_regularizers '[{"class_path": "catgan.regularizers.VAT",
# "init_args": {"weight": 10.0, "eps": 0.25, "xi": 1e-3, "neighbors": 10}}]')
n=$1; s=$2; shift 2
R=runs/screen; mkdir -p $R
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_catgan_unsupervised.yaml --seeds $s --curve --metric val/cluster_acc \
  --out $R/$n --run-dir $R/runs_$n -- --torch_threads 1 --model.init_args.fused_adam true "$@" >> $R/log_$n.txt 2>&1
