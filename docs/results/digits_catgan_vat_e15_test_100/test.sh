#!/bin/bash
# bash test.sh NAME LABELS [extra]: digits CatGAN on report splits 0-9, test error
n=$1; l=$2; shift 2
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/digits
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/digits_catgan.yaml --seeds 0-9 --workers 2 --out runs/digits/test/$n -- --data.init_args.num_labeled $l "$@" >> runs/digits/log_test_$n.txt 2>&1
