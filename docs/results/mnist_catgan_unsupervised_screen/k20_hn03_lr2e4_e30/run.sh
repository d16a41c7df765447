#!/bin/bash
# bash run.sh SEED NAME EPOCHS [extra]: unsupervised MNIST CatGAN, the GPU screen's best settings (K=20, noise-free marginal, hidden noise 0.3, lr 2e-4)
s=$1; n=$2; e=$3; shift 3
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/unsup
N=--model.init_args; D=$N.discriminator.init_args
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_catgan_unsupervised.yaml --seeds $s --curve --metric val/cluster_acc_majority \
  --out runs/unsup/$n --run-dir runs/unsup/runs_$n -- --torch_threads 1 --trainer.max_epochs $e --model.init_args.fused_adam true \
  $N.noise_free_marginal true $N.num_clusters 20 $D.noise_std 0.3 $N.lr_d 2e-4 $N.lr_g 2e-4 "$@" >> runs/unsup/log_$n.txt 2>&1
