#!/bin/bash
# (run for restart 0 of test seeds 0 and 1 only: 17.79 / 15.58 %, no better than 2e-4; the restarts were not run)
# bash restart.sh SEED R: restart R (seed_everything = SEED + 1000 R) of the unsupervised MNIST config with G's rate
# 4e-4 (chosen on tuning seeds 100-101) on a test seed; `reproduce.py --summarize --metric test/cluster_acc_majority
# --out runs/unsup/test_k30_lrg4e4` then keeps, per seed, the restart with the highest MI on validation images
s=$1; r=$2
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/unsup
OMP_NUM_THREADS=1 python -c "
from catgan.runs import run_config
run_config('configs/mnist_catgan_unsupervised.yaml', $s, ['--torch_threads', '1', '--model.init_args.fused_adam', 'true', '--model.init_args.lr_g', '4e-4'],
          'test/cluster_acc_majority', out_dir='runs/unsup/test_k30_lrg4e4', curve=True, run_dir='runs/unsup/test_runs_k30_lrg4e4', restart=$r)
" >> runs/unsup/log_lrg4e4_s${s}_r$r.txt 2>&1
