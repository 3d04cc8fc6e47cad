"""PyTorch's side of the landscape directions, for the studio's unit tests.

Writes into tests/fixtures/landscape/ (its README.md lists them), for two models (the VGG16 at
width 1/8 of ../shared/fixtures/reference/vertex0.safetensors, and the PreResNet-8 with batch norm
of tests/fixtures/pytorch-pt/preresnet8.pt):
- <model>.direction.safetensors: a direction drawn by torch.randn for each parameter (buffers are
  not parameters, as loss-landscape's get_random_weights takes model.parameters());
- <model>.filter-biasbn.safetensors: it normalised as loss-landscape's net_plotter.py does with
  --xnorm filter --xignore biasbn (its default use), and <model>.layer.safetensors with
  --xnorm layer and no ignore (one-dimensional parameters then copy the model's, as it does);
- for the PreResNet-8 only (batch norm, whose parameters the PCA ignores), path-<i>.safetensors
  (i = 0…5) and pca.json, pc1.safetensors, pc2.safetensors: a path of six snapshots around the
  model and what loss-landscape's setup_PCA_directions computes from it with scikit-learn's PCA
  (the components, explained_variance_ratio_) and its project_trajectory ('cos': d·pc/|pc|).

The functions below follow loss-landscape's net_plotter.py and projection.py line by line.
Run where PyTorch and scikit-learn are (Debian's python3-torch 1.13 and python3-sklearn 1.2):
    python3 tests/pytorch/make_landscape_fixtures.py ../shared/fixtures tests/fixtures
"""

import json
import struct
import sys
import zipfile

import numpy as np
import torch
from sklearn.decomposition import PCA

shared, fixtures = sys.argv[1:3]
out = f"{fixtures}/landscape"
torch.manual_seed(0)


def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        dtype = {"F32": np.float32, "I64": np.int64}[info["dtype"]]
        tensors[name] = torch.from_numpy(np.frombuffer(raw[8 + n + a : 8 + n + b], dtype=dtype).reshape(info["shape"]).copy())
    return tensors


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.float().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def parameters(state):
    """The state dict's parameters, without batch norm's buffers (model.parameters())."""
    return {k: v.float() for k, v in state.items() if not k.endswith(("running_mean", "running_var", "num_batches_tracked"))}


# net_plotter.py
def normalize_direction(direction, weights, norm="filter"):
    if norm == "filter":
        for d, w in zip(direction, weights):
            d.mul_(w.norm() / (d.norm() + 1e-10))
    elif norm == "layer":
        direction.mul_(weights.norm() / direction.norm())


def normalize_directions_for_weights(direction, weights, norm="filter", ignore="biasbn"):
    for d, w in zip(direction, weights):
        if d.dim() <= 1:
            if ignore == "biasbn":
                d.fill_(0)
            else:
                d.copy_(w)
        else:
            normalize_direction(d, w, norm)


def ignore_biasbn(directions):
    for d in directions:
        if d.dim() <= 1:
            d.fill_(0)


# projection.py
def project_1D(w, d):
    return (torch.dot(w, d) / d.norm()).item()


models = {
    "vgg16-w0.125": read_safetensors(f"{shared}/reference/vertex0.safetensors"),
    "preresnet8": {k: v for k, v in torch.load(f"{fixtures}/pytorch-pt/preresnet8.pt").items()},
}
for tag, state in models.items():
    weights = parameters(state)
    names = list(weights)
    w = [weights[k] for k in names]
    direction = [torch.randn(t.size()) for t in w]
    write_safetensors(f"{out}/{tag}.direction.safetensors", dict(zip(names, direction)))
    for norm, ignore, name in [("filter", "biasbn", "filter-biasbn"), ("layer", "", "layer")]:
        d = [t.clone() for t in direction]
        normalize_directions_for_weights(d, w, norm, ignore)
        write_safetensors(f"{out}/{tag}.{name}.safetensors", dict(zip(names, d)))
    if tag != "preresnet8":
        continue

    # A path: six snapshots drifting towards the model (the last is the model itself), with
    # noise, so its principal plane is well defined.
    steps = [torch.randn(t.size()) * 0.05 * t.std().clamp(min=1e-3) for t in w]
    snapshots = []
    for i in range(6):
        s = 5 - i
        snap = [t + s * st + 0.3 * torch.randn(t.size()) * st.abs() * (i % 2) for t, st in zip(w, steps)]
        if i == 5:
            snap = [t.clone() for t in w]
        snapshots.append(snap)
        write_safetensors(f"{out}/{tag}.path-{i}.safetensors", dict(zip(names, snap)))
    # setup_PCA_directions: rows are the snapshots' differences from the final weights, biases and
    # batch norm ignored.
    matrix = []
    for snap in snapshots:
        d = [b - a for a, b in zip(w, snap)]
        ignore_biasbn(d)
        matrix.append(torch.cat([t.reshape(-1) for t in d]).numpy())
    pca = PCA(n_components=2)
    pca.fit(np.array(matrix))
    pc1, pc2 = (torch.from_numpy(np.array(c, dtype=np.float32)) for c in pca.components_)
    coords = [[project_1D(torch.from_numpy(row), pc1), project_1D(torch.from_numpy(row), pc2)] for row in matrix]
    sizes = [t.numel() for t in w]

    def split(vec):
        parts, at = {}, 0
        for k, t, n in zip(names, w, sizes):
            parts[k] = vec[at : at + n].reshape(t.shape)
            at += n
        return parts

    write_safetensors(f"{out}/{tag}.pc1.safetensors", split(pc1))
    write_safetensors(f"{out}/{tag}.pc2.safetensors", split(pc2))
    json.dump(
        {"explained_variance_ratio": [float(x) for x in pca.explained_variance_ratio_], "coordinates": coords},
        open(f"{out}/{tag}.pca.json", "w"),
        indent=1,
    )
print("torch", torch.__version__, "wrote", out)
