#!/bin/bash
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/digits_ent
for w in 0.1 0.0; do
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/digits_improved_gan.yaml --seeds 112-119 --metric val/acc \
  --out runs/digits_ent/ent$w -- --data.init_args.num_labeled 100 --model.init_args.entropy_weight $w >> runs/digits_ent/log_$w.txt 2>&1
done
