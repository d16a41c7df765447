#!/bin/bash
# bash test.sh: digits CatGAN with the paper's conv D and augmentation consistency (weight 3), 50 labels, report
# splits 0-9 (no choice looked at them), test error with the final weights; records written here.
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/digits
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/digits_catgan.yaml --seeds 0-9 --workers 2 \
    --out docs/results/digits_catgan_conv_w3_test_50 -- --data.init_args.num_labeled 50 \
    --model.init_args.discriminator "{class_path: catgan.nets.ConvDiscriminator, init_args: {noise_std: 0.15}}" \
    --model.init_args.d_regularizers '[{"class_path": "catgan.regularizers.AugmentationConsistency", "init_args": {"weight": 3.0}}]' \
    >> runs/digits/log_test_conv_w3_50.txt 2>&1
