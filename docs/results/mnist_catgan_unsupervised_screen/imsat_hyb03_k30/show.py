import json, sys, glob
for f in sorted(glob.glob(sys.argv[1] + '/*curve.json')):
    d = json.load(open(f))
    print(f)
    for e in d['epochs']:
        g = lambda k: e.get(k, float('nan'))
        print(f"ep {e['epoch']:3d} {e['seconds']:6.0f}s val_maj {100-100*g('val/cluster_acc_majority'):5.2f} hung {100-100*g('val/cluster_acc'):5.2f} "
              f"Hy {g('train/d/marginal_entropy_real'):.2f} Hyx {g('train/d/conditional_entropy_real'):.2f} Hyxf {g('train/d/conditional_entropy_fake'):.2f} vat {g('train/d/vat'):.4f}")
