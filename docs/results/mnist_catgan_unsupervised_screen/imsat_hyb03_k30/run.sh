#!/bin/bash
# bash run.sh NAME SEED [extra]: unsupervised MNIST, the pre-2026-12-06 config with IMSAT-style overrides, validation metric
# (this folder: bash run.sh hyb03_k30 100 --model.init_args.entropy_weights "[4.0,1.0,0.3]" --model.init_args.vat_weight 10 --model.init_args.lr_g 1e-3 --trainer.max_epochs 30)
n=$1; s=$2; shift 2
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/imsat
R=runs/imsat
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_catgan_unsupervised.yaml --seeds $s --curve --metric val/cluster_acc_majority \
  --out $R/$n --run-dir $R/runs_$n -- --torch_threads 1 --model.init_args.fused_adam true \
  --model.init_args.vat_neighbors 10 --model.init_args.vat_eps 0.25 --model.init_args.noise_free_marginal false \
  --model.init_args.discriminator.init_args.input_noise_std 0 --model.init_args.discriminator.init_args.noise_std 0 \
  --model.init_args.lr_d 2e-3 --data.init_args.batch_size 250 "$@" >> $R/log_$n.txt 2>&1
