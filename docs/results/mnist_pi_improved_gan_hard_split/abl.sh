#!/bin/bash
# bash abl.sh SEED NAME [extra CLI args]: one change to the Improved-GAN recipe on a tuning split, 40 epochs, bf16 + fused Adam
s=$1; n=$2; shift 2
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/igan_hard
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_pi_improved_gan_100.yaml --seeds $s --curve --metric val/acc \
  --out runs/igan_hard/abl_$n --run-dir runs/igan_hard/abl_runs_$n -- --torch_threads 1 --data.init_args.val_size 10000 \
  --trainer.max_epochs 40 --trainer.precision bf16-mixed --model.init_args.fused_adam true "$@" >> runs/igan_hard/log_abl_$n.txt 2>&1
