#!/bin/bash
# Improved-GAN recipe (mnist_pi_improved_gan_100.yaml) for 200 epochs at the flat rate, bf16 autocast and fused Adam
# (speed only), test split $1, all 60,000 training images unlabeled. Resumes from its run-dir.
s=$1
cd /work/main && . .venv/bin/activate
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_pi_improved_gan_100.yaml --seeds $s --curve \
  --out /work/runs/igan200/results --run-dir /work/runs/igan200/runs -- --torch_threads 1 --trainer.max_epochs 200 \
  --trainer.precision bf16-mixed --model.init_args.fused_adam true >> /work/runs/igan200/log_s$s.txt 2>&1
