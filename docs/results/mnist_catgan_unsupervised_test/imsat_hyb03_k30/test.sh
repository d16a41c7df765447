#!/bin/bash
# bash test.sh NAME SEEDS... -- [extra]: these records' settings: the shipped mnist_catgan_unsupervised.yaml of 2026-12-06
# (VAT weight 10, radius per example from 10 neighbours times 0.25, the power iteration's step xi 1e-3; the shipped
# config has since taken xi 10), set here by overrides of the current config (input_noise_std 0 = noise_std 0):
#   bash test.sh hyb03 0 1 2 -- --model.init_args.entropy_weights "[4.0,1.0,0.3]" --model.init_args.lr_g 1e-3 --trainer.max_epochs 30
# (the records ran on the config before 2026-12-06, with VAT weight 10 among the extra arguments)
# Logged by each fit: "vat_neighbors=10: radius per training image = 0.25 x distance to its 10-th neighbour (median 1.31, 50000 images, 95 s)" (95-98 s).
n=$1; shift
seeds=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do seeds+=("$1"); shift; done
[ "$1" == "--" ] && shift
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/imsat
R=runs/imsat
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_catgan_unsupervised.yaml --seeds "${seeds[@]}" --curve --metric test/cluster_acc_majority \
  --out $R/test_$n --run-dir $R/test_runs_$n -- --torch_threads 1 --model.init_args.fused_adam true \
  --model.init_args.d_regularizers '[{"class_path": "catgan.regularizers.VAT", "init_args": {"weight": 10.0, "eps": 0.25, "xi": 1e-3, "neighbors": 10}}]' \
  --model.init_args.noise_free_marginal false \
  --model.init_args.discriminator.init_args.input_noise_std 0 --model.init_args.discriminator.init_args.noise_std 0 \
  --model.init_args.lr_d 2e-3 --data.init_args.batch_size 250 "$@" >> $R/log_test_$n.txt 2>&1
