#!/bin/bash
# bash test.sh NAME LABELS [extra]: digits CatGAN on report splits 0-9, test error.
#   bash test.sh vat_e15 100 --model.init_args.d_regularizers '[{"class_path": "catgan.regularizers.VAT", "init_args": {"weight": 1.0, "eps": 1.5}}]'
# (its records ran this as --model.init_args.vat_weight 1 --model.init_args.vat_eps 1.5, options since removed)
n=$1; l=$2; shift 2
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/digits
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/digits_catgan.yaml --seeds 0-9 --workers 2 --out runs/digits/test/$n -- --data.init_args.num_labeled $l "$@" >> runs/digits/log_test_$n.txt 2>&1
