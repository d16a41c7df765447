#!/bin/bash
# bash screen.sh SPLIT [OVERRIDE ...]: the shipped PI-MNIST recipe (configs/mnist_pi_catgan_100.yaml: CatGAN D, feature-matching G,
# VAT on D; D averaged at 0.999) on a tuning label split, validation error per epoch, bf16 + fused Adam, one thread,
# with two more averages of D kept beside the config's (catgan.extra_averages.DiscriminatorAverages: decays 0.9999 and
# 0.99995, scored as val/acc_ema_<decay>): averaging does not change training, so one fit compares the decays. With
# the module's warm-up, min(decay, (1 + n) / (10 + n)), both are capped below 0.9997 in a 60-epoch run (30,000 D
# steps) and so are one average; OVERRIDEs change the callback, e.g. --trainer.callbacks.decays '[0.9995, 0.9999]'
# --trainer.callbacks.warm_up false (records then name them val/acc_ema_<decay>_no_warm_up).
s=$1; shift
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
R=runs/recipe_averaging
mkdir -p $R
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_pi_catgan_100.yaml --seeds $s --curve \
  --metric val/acc --out docs/results/mnist_pi_catgan_recipe_averaging --run-dir $R/runs -- --torch_threads 1 \
  --data.init_args.download true --model.init_args.fused_adam true --trainer.precision bf16-mixed \
  --trainer.callbacks+=catgan.extra_averages.DiscriminatorAverages --trainer.callbacks.decays '[0.9999, 0.99995]' \
  "$@" >> $R/log_s$s.txt 2>&1
