#!/bin/bash
# (run for restart 0 of test seeds 0 and 1 only: 17.79 / 15.58 %, no better than 2e-4; the restarts were not run)
# bash restart.sh SEED R: restart R (seed_everything = SEED + 1000 R) of the unsupervised MNIST config with G's rate
# 4e-4 (chosen on tuning seeds 100-101) on a test seed; `reproduce.py --summarize --metric test/cluster_acc_majority
# --out runs/unsup/test_k30_lrg4e4` then keeps, per seed, the restart with the highest MI on validation images
s=$1; r=$2
cd /work/main && . .venv/bin/activate
OMP_NUM_THREADS=1 python -c "
import importlib.util, sys
spec = importlib.util.spec_from_file_location('reproduce', 'scripts/reproduce.py'); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
m.run_one('configs/mnist_catgan_unsupervised.yaml', $s, ['--torch_threads', '1', '--model.init_args.fused_adam', 'true', '--model.init_args.lr_g', '4e-4'],
          'test/cluster_acc_majority', '/work/main/runs/unsup/test_k30_lrg4e4', 'none', True, '/work/main/runs/unsup/test_runs_k30_lrg4e4', restart=$r)
" >> /work/main/runs/unsup/log_lrg4e4_s${s}_r$r.txt 2>&1
