#!/bin/bash
# bash run.sh SEED [extra]: unsupervised MNIST test seed with the shipped config
s=$1; shift
cd /work/main && . .venv/bin/activate
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_catgan_unsupervised.yaml --seeds $s --curve --metric test/cluster_acc_majority \
  --out /work/runs/unsup_test/out --run-dir /work/runs/unsup_test/runs -- --torch_threads 1 --model.init_args.fused_adam true "$@" >> /work/runs/unsup_test/log_$s.txt 2>&1
