#!/bin/bash
# Improved-GAN recipe in bf16 autocast on tuning split 100 (validation 10,000), 100 epochs flat: compare to the fp32 record
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/igan_bf16
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_pi_improved_gan_100.yaml --seeds 100 --curve --metric val/acc \
  --out runs/igan_bf16/results --run-dir runs/igan_bf16/runs -- --torch_threads 1 --data.init_args.val_size 10000 \
  --trainer.precision bf16-mixed >> runs/igan_bf16/log.txt 2>&1
