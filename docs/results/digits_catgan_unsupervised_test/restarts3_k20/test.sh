#!/bin/bash
# bash test.sh [SEEDS]: unsupervised digits CatGAN (configs/digits_catgan_unsupervised.yaml, K = 20) on test seeds
# SEEDS (default 0-4), best of 3 restarts (seed + 1000 r) by D's mutual information on the validation images,
# many-to-one test clustering error, one thread; records and curves written here.
seeds=${1:-0-4}
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/digits
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/digits_catgan_unsupervised.yaml --seeds $seeds --workers 2 \
    --restarts 3 --curve --metric test/cluster_acc_majority --out docs/results/digits_catgan_unsupervised_test/restarts3_k20 \
    -- --torch_threads 1 --model.init_args.num_clusters 20 >> runs/digits/log_unsupervised_restarts3_k20.txt 2>&1
