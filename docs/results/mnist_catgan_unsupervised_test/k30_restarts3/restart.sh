#!/bin/bash
# bash restart.sh SEED R: restart R (seed_everything = SEED + 1000 R) of the shipped unsupervised MNIST config on a test
# seed, into the folder that holds restart 0, so `reproduce.py --summarize --metric test/cluster_acc_majority` picks by MI
s=$1; r=$2
cd "$(dirname "$0")" && cd "$(git rev-parse --show-toplevel)"
mkdir -p runs/unsup
OMP_NUM_THREADS=1 python -c "
from catgan.runs import run_config
run_config('configs/mnist_catgan_unsupervised.yaml', $s, ['--torch_threads', '1', '--model.init_args.fused_adam', 'true'],
          'test/cluster_acc_majority', out_dir='runs/unsup/test_k30', curve=True, run_dir='runs/unsup/test_runs_k30', restart=$r)
" >> runs/unsup/log_restart_s${s}_r$r.txt 2>&1
