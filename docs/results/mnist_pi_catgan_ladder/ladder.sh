#!/bin/bash
# bash ladder.sh RUNG SPLIT: one rung of the PI-MNIST ablation ladder on a report label split, the shipped recipe's
# schedule (configs/mnist_pi_catgan_100.yaml: lr_d 1e-3, lr_g 2e-3, flat, 60 epochs), all 60,000 training images
# unlabeled, bf16 + fused Adam, one thread. Rungs (the third is the shipped recipe, records in
# ../mnist_pi_catgan_vat_lrg2e3_test/):
#   objective  CatGAN's objective only: D and G entropies + labeled cross-entropy, no feature matching, no VAT
#   fm_g       + G trained by feature matching instead of CatGAN's entropy G
#   fm_g_vat   + VAT on D (= the shipped recipe)
rung=$1; s=$2
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
case $rung in
  objective) extra=(--model.init_args.d_regularizers '[]' --model.init_args.generator_entropy_weight 1
                    --model.init_args.feature_matching_weight 0) ;;
  fm_g) extra=(--model.init_args.d_regularizers '[]') ;;
  fm_g_vat) exec bash docs/results/mnist_pi_catgan_vat_lrg2e3_test/test.sh "$s" ;;
  *) echo "ladder.sh: RUNG is one of objective, fm_g, fm_g_vat (got '$rung')" >&2; exit 2 ;;
esac
R=runs/pi_ladder_$rung
mkdir -p $R
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_pi_catgan_100.yaml --seeds $s --curve \
  --out docs/results/mnist_pi_catgan_ladder/$rung --run-dir $R/runs -- --torch_threads 1 \
  --data.init_args.download true --data.init_args.val_size 0 --model.init_args.fused_adam true \
  --trainer.precision bf16-mixed "${extra[@]}" >> $R/log_s$s.txt 2>&1
