#!/bin/bash
# bash screen.sh NAME [extra]: digits CatGAN, 100 labels, fresh tuning splits 120-127, validation error
n=$1; shift
cd /work/main && . .venv/bin/activate
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/digits_catgan.yaml --seeds 120-127 --metric val/acc --out /work/main/runs/digits/$n -- --data.init_args.num_labeled 100 "$@" >> /work/main/runs/digits/log_$n.txt 2>&1
