#!/bin/bash
# Improved-GAN recipe on tuning splits (validation 10,000 images), 40 epochs at the flat rate, bf16 + fused Adam:
# which tuning splits are hard (a plateau like test split 1's), to screen fixes on. Seeds given as arguments.
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/igan_hard
for s in "$@"; do
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_pi_improved_gan_100.yaml --seeds $s --curve --metric val/acc \
  --out runs/igan_hard/results --run-dir runs/igan_hard/runs -- --torch_threads 1 --data.init_args.val_size 10000 \
  --trainer.max_epochs 40 --trainer.precision bf16-mixed --model.init_args.fused_adam true >> runs/igan_hard/log_s$s.txt 2>&1
done
