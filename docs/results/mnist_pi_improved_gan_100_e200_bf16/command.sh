#!/bin/bash
# Improved-GAN recipe (mnist_pi_improved_gan_100.yaml) for 200 epochs at the flat rate, bf16 autocast and fused Adam
# (speed only), test split $1, all 60,000 training images unlabeled. Resumes from its run-dir.
s=$1
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/igan200
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_pi_improved_gan_100.yaml --seeds $s --curve \
  --out runs/igan200/results --run-dir runs/igan200/runs -- --torch_threads 1 --trainer.max_epochs 200 \
  --trainer.precision bf16-mixed --model.init_args.fused_adam true >> runs/igan200/log_s$s.txt 2>&1
