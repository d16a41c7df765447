#!/bin/bash
# bash screen50.sh NAME [extra]: digits CatGAN, 50 labels (the default config), fresh tuning splits 120-127, validation error
n=$1; shift
cd /work/main && . .venv/bin/activate
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/digits_catgan.yaml --seeds 120-127 --metric val/acc --out /work/main/runs/digits50/$n -- "$@" >> /work/main/runs/digits50/log_$n.txt 2>&1
