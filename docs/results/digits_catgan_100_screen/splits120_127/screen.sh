#!/bin/bash
# bash screen.sh NAME [extra]: digits CatGAN, 100 labels, fresh tuning splits 120-127, validation error.
# Its records' --model.init_args.vat_weight W --model.init_args.vat_eps E (options since removed) run now as
#   --model.init_args.d_regularizers '[{"class_path": "catgan.regularizers.VAT", "init_args": {"weight": W, "eps": E}}]'
n=$1; shift
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/digits
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/digits_catgan.yaml --seeds 120-127 --metric val/acc --out runs/digits/$n -- --data.init_args.num_labeled 100 "$@" >> runs/digits/log_$n.txt 2>&1
