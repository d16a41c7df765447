"""The flat comparator of the decay run: its epoch-65 checkpoint with the rate set back to flat.
Lightning's CLI replaces command-line model arguments by the checkpoint's hyperparameters on resume, so the
schedule is rewritten in the checkpoint itself: lr_decay_start 0.999 (factor 1 for every epoch), the optimizers'
current rate back to the base rate, and the checkpoint callback's paths moved to the new folder."""
import torch

src = "/tmp/src65.ckpt"
dst_dir = "runs/igan_v5/runs_flat/mnist_pi_improved_gan_100_seed100/ckpt"
c = torch.load(src, map_location="cpu", weights_only=False)
c["hyper_parameters"]["lr_decay_start"] = 0.999
for opt in c["optimizer_states"]:
    for g in opt["param_groups"]:
        g["lr"] = g["initial_lr"] if "initial_lr" in g else 0.003
for s in c["lr_schedulers"]:
    s["_last_lr"] = list(s["base_lrs"])
for k, v in c["callbacks"].items():
    if k.startswith("ModelCheckpoint"):
        v["dirpath"] = dst_dir
        v["last_model_path"] = dst_dir + "/last.ckpt"
        v["best_model_path"] = dst_dir + "/epoch=64-step=65000.ckpt"
print([g["lr"] for o in c["optimizer_states"] for g in o["param_groups"]])
torch.save(c, dst_dir + "/last.ckpt")
