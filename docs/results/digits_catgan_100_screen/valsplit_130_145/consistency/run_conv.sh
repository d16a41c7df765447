#!/bin/bash
# bash run_conv.sh NAME [extra]: screen.sh with the paper's conv D (ConvDiscriminator, noise 0.15), splits $SEEDS (default 130-137)
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
export SEEDS=${SEEDS:-130-137}
bash docs/results/digits_catgan_100_screen/valsplit_130_145/consistency/screen.sh $1 configs/digits_catgan.yaml --model.init_args.discriminator "{class_path: catgan.nets.ConvDiscriminator, init_args: {noise_std: 0.15}}" "${@:2}"
