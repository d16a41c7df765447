#!/bin/bash
# Improved-GAN recipe (mnist_pi_improved_gan_100.yaml) + entropy_weight 0.1 (chosen on tuning splits 100-102,
# ../mnist_pi_improved_gan_hard_split), 100 epochs, bf16 autocast and fused Adam (speed only), test split $1,
# all 60,000 training images unlabeled. Resumes from its run-dir.
s=$1
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/igan_ent
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_pi_improved_gan_100.yaml --seeds $s --curve \
  --out runs/igan_ent/results --run-dir runs/igan_ent/runs -- --torch_threads 1 \
  --model.init_args.entropy_weight 0.1 --trainer.precision bf16-mixed --model.init_args.fused_adam true \
  >> runs/igan_ent/log_s$s.txt 2>&1
