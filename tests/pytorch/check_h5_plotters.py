"""loss-landscape's own plotters on the studio's .h5 files, run by hand where matplotlib is.

    npm run -s cli -- interpolate --a A.safetensors --b B.safetensors --data DATA --out OUT/line
    npm run -s cli -- plane --weights A.safetensors --data DATA --out OUT/plane
    python3 tests/pytorch/check_h5_plotters.py LOSS_LANDSCAPE OUT

LOSS_LANDSCAPE is a checkout of tomgoldstein/loss-landscape; Debian's python3-h5py,
python3-matplotlib and python3-seaborn provide what its plotting modules import. Runs its
plot_1D.plot_1d_loss_err on OUT/line.h5, plot_2D.plot_2d_contour on OUT/plane.h5 and
h52vtp.h5_to_vtp on OUT/plane.h5 (ParaView's format), each writing its files beside the input;
exit status 1 if one fails or writes nothing.
"""

import glob
import os
import sys

import matplotlib

matplotlib.use("Agg")
landscape, out = sys.argv[1:3]
sys.path.insert(0, landscape)
import h52vtp  # noqa: E402
import plot_1D  # noqa: E402
import plot_2D  # noqa: E402

line, plane = f"{out}/line.h5", f"{out}/plane.h5"
plot_1D.plot_1d_loss_err(line, xmin=-0.25, xmax=1.25, loss_max=10)
plot_2D.plot_2d_contour(plane, "train_loss", 0.1, 10, 0.5)
h52vtp.h5_to_vtp(plane, "train_loss", log=True, zmax=10, interp=-1)
made = {
    "plot_1D": glob.glob(f"{line}_1d_*.pdf"),
    "plot_2D": glob.glob(f"{plane}_train_loss_2d*.pdf") + glob.glob(f"{plane}_train_loss_3d*.pdf"),
    "h52vtp": glob.glob(f"{plane}_train_loss_*.vtp"),
}
for tool, files in made.items():
    print(tool, sorted(os.path.basename(f) for f in files))
sys.exit(0 if all(made.values()) else 1)
