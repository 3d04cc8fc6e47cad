"""The Playground's export loaded by the reference's own classes, run by hand where the reference is.

    (the Playground's Export safetensors button, or PlaygroundSession.exportFile())
    python3 tests/pytorch/check_playground_export.py LOSS_SURFACE_SIMPLEXES FILE.safetensors

LOSS_SURFACE_SIMPLEXES is a checkout of g-benton/loss-surface-simplexes (its simplex/ and
simplex/models/ on the path; stub out gpytorch if it is not installed: simplex_models imports it
but BasicSimplex does not use it). Builds SimplexNet(1, BasicSimplex, n_vert) with the file's
hidden width and vertex count (its metadata), loads the file with strict=True, and prints each
vertex's logits at three points; exit status 1 if a key is missing or unexpected. The safetensors
file is read with the standard library and NumPy (no safetensors package needed).
"""

import json
import os
import struct
import sys

import numpy as np
import torch

repo, path = sys.argv[1], sys.argv[2]
sys.path[:0] = [os.path.join(repo, "simplex"), os.path.join(repo, "simplex", "models")]
from basic_mlps import BasicSimplex  # noqa: E402
from simplex_models import SimplexNet  # noqa: E402

raw = open(path, "rb").read()
size = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8 : 8 + size])
body = raw[8 + size :]
meta = header.pop("__metadata__", {})
state = {
    name: torch.from_numpy(
        np.frombuffer(body[e["data_offsets"][0] : e["data_offsets"][1]], dtype="<f4").copy().reshape(e["shape"])
    )
    for name, e in header.items()
}
kwargs = json.loads(meta["architecture_kwargs"])
activation = torch.nn.Tanh() if kwargs["activation"] == "tanh" else torch.nn.ReLU()
n_vert = int(meta["n_vert"])
model = SimplexNet(
    1,
    BasicSimplex,
    n_vert=n_vert,
    fix_points=[True] * n_vert,
    architecture_kwargs={"in_dim": 2, "hidden_size": kwargs["hidden_size"], "activation": activation, "bias": True},
)
result = model.load_state_dict(state, strict=True)
print(result)
x = torch.tensor([[0.0, 0.0], [3.0, -2.0], [-5.0, 4.0]])
with torch.no_grad():
    for v in range(n_vert):
        coeffs = torch.zeros(n_vert)
        coeffs[v] = 1
        print(f"vertex {v}:", model.net(x, coeffs)[:, 0].tolist())
