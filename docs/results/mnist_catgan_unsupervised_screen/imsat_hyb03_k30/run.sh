#!/bin/bash
# bash run.sh NAME SEED [extra]: unsupervised MNIST with IMSAT-style overrides (VAT weight 10 with a radius per example,
# neighbors 10, eps 0.25, and the power iteration's step xi 1e-3, as run then; the shipped config has xi 10), validation metric
# (this folder: bash run.sh hyb03_k30 100 --model.init_args.entropy_weights "[4.0,1.0,0.3]" --model.init_args.lr_g 1e-3 --trainer.max_epochs 30;
# it ran on the config before 2026-12-06, with VAT weight 10 among the extra arguments)
n=$1; s=$2; shift 2
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/imsat
R=runs/imsat
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_catgan_unsupervised.yaml --seeds $s --curve --metric val/cluster_acc_majority \
  --out $R/$n --run-dir $R/runs_$n -- --torch_threads 1 --model.init_args.fused_adam true \
  --model.init_args.d_regularizers '[{"class_path": "catgan.regularizers.VAT", "init_args": {"weight": 10.0, "eps": 0.25, "xi": 1e-3, "neighbors": 10}}]' \
  --model.init_args.noise_free_marginal false \
  --model.init_args.discriminator.init_args.input_noise_std 0 --model.init_args.discriminator.init_args.noise_std 0 \
  --model.init_args.lr_d 2e-3 --data.init_args.batch_size 250 "$@" >> $R/log_$n.txt 2>&1
