"""PyTorch's side of the curve procedure (Garipov et al. 2018), for the studio's unit tests.

Writes tests/fixtures/curve/curve-reference.safetensors and curve-reference.json from the
reference fixture ../shared/fixtures/reference (VGG16 at width 1/8, 10 classes, its 8 images):
a curve of three points whose fixed ends are vertex0 and vertex2 and whose free bend is vertex1.
For a Bezier curve at t = 0.3 and a PolyChain at t = 0.6, with the coefficients computed by the
curve code's own Bezier and PolyChain modules (dnn-mode-connectivity curves.py, imported from a
checkout): the coefficients, the point θ(t) = Σ_j c_j(t)·θ_j (Bezier's), the loss the curve code trains
(mean cross-entropy + its l2_regularizer(wd) = ½·wd·Σ|θ(t)|², wd = 5e-4) and that loss's
gradient with respect to the bend (PyTorch layout). The JSON also holds both modules'
coefficients for 3, 4 and 5 points at several t.

Run where PyTorch and SciPy are (Debian's python3-torch 1.13, python3-scipy):
    python3 tests/pytorch/make_curve_fixtures.py DNN_MODE_CONNECTIVITY ../shared/fixtures/reference tests/fixtures/curve
"""

import json
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

curves_repo, reference, out = sys.argv[1:4]
sys.path.insert(0, curves_repo)
import curves  # noqa: E402  (the curve code's own module)

WD = 5e-4


def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    return {
        k: torch.from_numpy(np.frombuffer(raw[8 + n + v["data_offsets"][0] : 8 + n + v["data_offsets"][1]], dtype="<f4").reshape(v["shape"]).copy())
        for k, v in header.items()
        if k != "__metadata__"
    }


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().float().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def vgg16(w, x):
    """The reference's VGG16 without batch norm, dropout off (config.json's architecture)."""
    pools = {2, 4, 7, 10, 13}
    for i in range(1, 14):
        x = F.relu(F.conv2d(x, w[f"c{i}.weight"], w[f"c{i}.bias"], padding=1))
        if i in pools:
            x = F.max_pool2d(x, 2)
    x = x.flatten(1)
    x = F.relu(F.linear(x, w["l1.weight"], w["l1.bias"]))
    x = F.relu(F.linear(x, w["l2.weight"], w["l2.bias"]))
    return F.linear(x, w["l3.weight"], w["l3.bias"])


points = [read_safetensors(f"{reference}/vertex{i}.safetensors") for i in (0, 1, 2)]
names = list(points[0])
raw = np.fromfile(f"{reference}/inputs.bin", dtype=np.uint8).reshape(-1, 3073)
labels = torch.from_numpy(raw[:, 0].astype(np.int64))
x = torch.from_numpy(raw[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255)
x = (x - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

tensors, record = {}, {"wd": WD, "images": int(len(labels)), "cases": [], "coefficients": []}
for kind, module in [("bezier", curves.Bezier), ("polychain", curves.PolyChain)]:
    for bends in (3, 4, 5):
        layer = module(bends)
        for t in (0.0, 0.1, 0.3, 0.5, 0.6, 0.95, 1.0):
            record["coefficients"].append({"curve": kind, "bends": bends, "t": t, "c": layer(torch.tensor([t])).tolist()})
for kind, module, t in [("bezier", curves.Bezier, 0.3), ("polychain", curves.PolyChain, 0.6)]:
    coeffs = module(3)(torch.tensor([t]))
    bend = {k: v.clone().requires_grad_(True) for k, v in points[1].items()}
    w = {k: coeffs[0] * points[0][k] + coeffs[1] * bend[k] + coeffs[2] * points[2][k] for k in names}
    ce = F.cross_entropy(vgg16(w, x), labels)
    l2 = sum(torch.sum(v**2) for v in w.values())
    loss = ce + 0.5 * WD * l2
    loss.backward()
    record["cases"].append({"curve": kind, "t": t, "c": coeffs.tolist(), "crossEntropy": ce.item(), "loss": loss.item()})
    for k in names:
        if kind == "bezier":
            tensors[f"{kind}.point.{k}"] = w[k]
        tensors[f"{kind}.grad.{k}"] = bend[k].grad
write_safetensors(f"{out}/curve-reference.safetensors", tensors)
record["torch"] = torch.__version__
json.dump(record, open(f"{out}/curve-reference.json", "w"), indent=1)
print("torch", torch.__version__, "wrote", out)
