#!/bin/bash
# Unsupervised MNIST CatGAN screen on an H200 GPU: tuning seed 100, validation clustering error, one process per variant.
# bash screen.sh SECONDS EPOCHS BATCH (from the repository root; BATCH 1: runs a-n, 2: o-zb; records under $OUT/res).
# As run: bash screen.sh 450 30 1, then bash screen.sh 290 30 2, with torch and lightning installed, the wheels of
# jsonargparse, docstring-parser and typeshed-client in .gpu/whl and the MNIST gz files in .gpu/data.
T=$1; E=$2
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .gpu/whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1
python3 -c "import torch, lightning, catgan.cli; print(torch.__version__, lightning.__version__, torch.cuda.is_available()); from torchvision.datasets import MNIST; MNIST('.gpu/data', download=True); MNIST('.gpu/data', train=False, download=True)" || exit 1
R=$OUT/res; mkdir -p $R
N=--model.init_args; D=$N.discriminator.init_args
K20="$N.noise_free_marginal true $N.num_clusters 20"
if [ "$3" = 1 ]; then
declare -A V=(
 [a_base]=""
 [b_nfm]="$N.noise_free_marginal true"
 [c_k20]="$K20"
 [d_k20_s1]="$K20 --seed_everything 1100"
 [e_k20_s2]="$K20 --seed_everything 2100"
 [f_k20_bs250]="$K20 --data.init_args.batch_size 250"
 [g_k20_bs500_lr2e3]="$K20 --data.init_args.batch_size 500 $N.lr_d 2e-3 $N.lr_g 2e-3"
 [h_k20_g1]="$K20 $N.g_steps 1"
 [i_k20_lr2e4]="$K20 $N.lr_d 2e-4 $N.lr_g 2e-4"
 [j_k20_fm1]="$K20 $N.feature_matching_weight 1.0"
 [k_k20_marg2]="$K20 $N.entropy_weights [2.0,1.0,1.0]"
 [l_k20_condreal03]="$K20 $N.entropy_weights [1.0,0.3,1.0]"
 [m_k30]="$N.noise_free_marginal true $N.num_clusters 30"
 [n_k20_hnoise03]="$K20 $D.noise_std 0.3"
)
else
declare -A V=(
 [o_k20_hn03_lr2e4]="$K20 $D.noise_std 0.3 $N.lr_d 2e-4 $N.lr_g 2e-4"
 [p_k20_hn03_s1]="$K20 $D.noise_std 0.3 --seed_everything 1100"
 [q_k20_hn03_s2]="$K20 $D.noise_std 0.3 --seed_everything 2100"
 [r_k20_hn02]="$K20 $D.noise_std 0.2"
 [s_k10_hn03]="$N.noise_free_marginal true $D.noise_std 0.3"
 [t_k20_hn03_nonfm]="$N.num_clusters 20 $D.noise_std 0.3"
 [u_k20_hn03_lr5e4]="$K20 $D.noise_std 0.3 $N.lr_d 5e-4 $N.lr_g 5e-4"
 [v_k20_lr2e4_s1]="$K20 $N.lr_d 2e-4 $N.lr_g 2e-4 --seed_everything 1100"
 [w_k20_hn03_bs250]="$K20 $D.noise_std 0.3 --data.init_args.batch_size 250"
 [x_k20_hn03_in02]="$K20 $D.noise_std 0.3 $D.input_noise_std 0.2"
 [y_k20_hn01]="$K20 $D.noise_std 0.1"
 [z_k20_lr5e4]="$K20 $N.lr_d 5e-4 $N.lr_g 5e-4"
 [za_k20_hn03_g1]="$K20 $D.noise_std 0.3 $N.g_steps 1"
 [zb_k20_hn03_lr2e4_s1]="$K20 $D.noise_std 0.3 $N.lr_d 2e-4 $N.lr_g 2e-4 --seed_everything 1100"
)
fi
for name in "${!V[@]}"; do
  timeout $T python3 scripts/reproduce.py --config configs/mnist_catgan_unsupervised.yaml --seeds 100 --curve \
    --metric val/cluster_acc --out $R/$name -- --data.init_args.data_dir .gpu/data --torch_threads 1 \
    --trainer.max_epochs $E --trainer.enable_progress_bar false ${V[$name]} > $R/$name.log 2>&1 &
done
sleep 60; echo "after 60 s:"; for f in $R/*.log; do echo "$f: $(tail -c 300 $f | tr '\n' ' ')"; done | cut -c1-400
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv
wait
for d in $R/*/; do python3 - "$d" <<'PY'
import json, glob, sys
for f in glob.glob(sys.argv[1] + "*_curve.json"):
    e = json.load(open(f))["epochs"]
    v = [(r["epoch"], round(100 * (1 - r.get("val/cluster_acc_majority", r.get("val/cluster_acc", 0))), 2)) for r in e if "val/cluster_acc" in r]
    print(sys.argv[1].split("/")[-2], "epochs", len(e), "s/epoch", round(e[-1]["seconds"] / len(e), 1) if e else None, "err", v[-8:])
PY
done
cd $OUT && tar czf screen.tgz res && rm -rf res
