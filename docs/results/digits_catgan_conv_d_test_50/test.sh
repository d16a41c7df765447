#!/bin/bash
# bash test.sh NAME LABELS [extra]: digits CatGAN with the conv D (noise 0.15) on the report splits 0-9, test error
n=$1; l=$2; shift 2
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/digits_test
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/digits_catgan.yaml --seeds 0-9 --out runs/digits_test/$n -- \
  --data.init_args.num_labeled $l --model.init_args.discriminator "{class_path: catgan.nets.ConvDiscriminator, init_args: {noise_std: 0.15}}" "$@" >> runs/digits_test/log_$n.txt 2>&1
