#!/bin/bash
# bash screen.sh NAME CONFIG [extra]: digits CatGAN, 100 labels, tuning splits 130-145, each split with its own 200
# validation images (val_per_split; the test images are split_seed 0's, as on the report splits), validation error
# SEEDS=130-137 bash screen.sh NAME CONFIG [extra]: the same on a subset of the splits (default 130-145)
# Its records' --model.init_args.consistency_weight W [--model.init_args.consistency_threshold T] (options since removed)
# run now as --model.init_args.d_regularizers
#   '[{"class_path": "catgan.regularizers.AugmentationConsistency", "init_args": {"weight": W, "threshold": T}}]' (T 0.95 unless given)
n=$1; c=$2; shift 2
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/digits
OMP_NUM_THREADS=1 python scripts/reproduce.py --config $c --seeds ${SEEDS:-130-145} --metric val/acc --out runs/digits/vs_$n -- --data.init_args.num_labeled 100 --data.init_args.val_per_split true "$@" >> runs/digits/log_vs_$n.txt 2>&1
