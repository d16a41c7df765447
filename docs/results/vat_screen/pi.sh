#!/bin/bash
# bash pi.sh NAME SEED [extra]: CatGAN PI-MNIST 100 labels (the shipped config) on a tuning split, validation metric, bf16 + fused.
# Its records' --model.init_args.vat_weight W --model.init_args.vat_eps E (options since removed) run now as
#   --model.init_args.d_regularizers '[{"class_path": "catgan.regularizers.VAT", "init_args": {"weight": W, "eps": E}}]'
# (mnist_pi_catgan_100.yaml holds VAT weight 1, eps 2 since; --model.init_args.d_regularizers '[]' runs it without)
n=$1; s=$2; shift 2
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/vat
R=runs/vat
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_pi_catgan_100.yaml --seeds $s --curve --metric val/acc \
  --out $R/pi_$n --run-dir $R/pi_runs_$n -- --torch_threads 1 --model.init_args.fused_adam true --trainer.precision bf16-mixed "$@" >> $R/log_pi_$n.txt 2>&1
