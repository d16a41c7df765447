#!/bin/bash
# bash restart.sh SEED R: restart R (seed_everything = SEED + 1000 R) of the shipped unsupervised MNIST config on a test
# seed, into the folder that holds restart 0, so `reproduce.py --summarize --metric test/cluster_acc_majority` picks by MI
s=$1; r=$2
cd /work/main && . .venv/bin/activate
OMP_NUM_THREADS=1 python -c "
import importlib.util, sys
spec = importlib.util.spec_from_file_location('reproduce', 'scripts/reproduce.py'); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
m.run_one('configs/mnist_catgan_unsupervised.yaml', $s, ['--torch_threads', '1', '--model.init_args.fused_adam', 'true'],
          'test/cluster_acc_majority', '/work/main/runs/unsup/test_k30', 'none', True, '/work/main/runs/unsup/test_runs_k30', restart=$r)
" >> /work/main/runs/unsup/log_restart_s${s}_r$r.txt 2>&1
