#!/bin/bash
# bash screen.sh NAME SPLIT [OVERRIDE ...]: CatGAN's own objective on PI-MNIST (the shipped recipe's networks and
# schedule, configs/mnist_pi_catgan_100.yaml, without feature matching and VAT: D and G entropies + labeled
# cross-entropy) on a tuning label split, validation error per epoch, bf16 + fused Adam, one thread; extra overrides
# change one setting that is not an objective. Records in NAME/.
name=$1; s=$2; shift 2
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
R=runs/paper_screen/$name
mkdir -p $R
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_pi_catgan_100.yaml --seeds $s --curve \
  --metric val/acc --out docs/results/mnist_pi_catgan_paper_screen/$name --run-dir $R/runs -- --torch_threads 1 \
  --data.init_args.download true --model.init_args.fused_adam true --trainer.precision bf16-mixed \
  --model.init_args.d_regularizers '[]' --model.init_args.generator_entropy_weight 1 \
  --model.init_args.feature_matching_weight 0 "$@" >> $R/log_s$s.txt 2>&1
