#!/bin/bash
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/digits_conv
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/digits_catgan.yaml --seeds 113-119 --metric val/acc --out runs/digits_conv/c1 -- --data.init_args.num_labeled 100 --model.init_args.discriminator "{class_path: catgan.nets.ConvDiscriminator, init_args: {noise_std: 0.15}}" >> runs/digits_conv/log.txt 2>&1
