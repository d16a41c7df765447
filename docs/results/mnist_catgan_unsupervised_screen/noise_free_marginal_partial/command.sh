#!/bin/bash
# Unsupervised MNIST, tuning seed 100, the shipped config with noise_free_marginal (D's marginal entropy of real
# data from a noise-free pass), 100 epochs; against the shipped run (clus/long) epoch by epoch. Resumes from its run-dir.
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/clus_nfm
OMP_NUM_THREADS=1 python scripts/reproduce.py --config configs/mnist_catgan_unsupervised.yaml --seeds 100 --metric val/cluster_acc --curve --out runs/clus_nfm/results --run-dir runs/clus_nfm/runs -- --torch_threads 1 --model.init_args.noise_free_marginal true >> runs/clus_nfm/log.txt 2>&1
