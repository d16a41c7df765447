#!/bin/bash
# bash screen50.sh NAME [extra]: digits CatGAN, 50 labels (the default config), fresh tuning splits 120-127, validation error
n=$1; shift
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/digits50
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/digits_catgan.yaml --seeds 120-127 --metric val/acc --out runs/digits50/$n -- "$@" >> runs/digits50/log_$n.txt 2>&1
