#!/bin/bash
# bash run_conv.sh NAME [extra]: screen.sh with the paper's conv D (ConvDiscriminator, noise 0.15), splits $SEEDS (default 130-137)
# Its records' --model.init_args.consistency_weight W [--model.init_args.consistency_threshold T] (options since removed)
# run now as --model.init_args.d_regularizers
#   '[{"class_path": "catgan.regularizers.AugmentationConsistency", "init_args": {"weight": W, "threshold": T}}]' (T 0.95 unless given)
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
export SEEDS=${SEEDS:-130-137}
bash docs/results/digits_catgan_100_screen/valsplit_130_145/consistency/screen.sh $1 configs/digits_catgan.yaml --model.init_args.discriminator "{class_path: catgan.nets.ConvDiscriminator, init_args: {noise_std: 0.15}}" "${@:2}"
