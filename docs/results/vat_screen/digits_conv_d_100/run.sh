#!/bin/bash
cd /work/main && . .venv/bin/activate
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/digits_catgan.yaml --seeds 113-119 --metric val/acc --out /work/runs/digits_conv/c1 -- --data.init_args.num_labeled 100 --model.init_args.discriminator "{class_path: catgan.nets.ConvDiscriminator, init_args: {noise_std: 0.15}}" >> /work/runs/digits_conv/log.txt 2>&1
