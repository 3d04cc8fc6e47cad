"""PyTorch's own checkpoint files, made by PyTorch itself, for the studio's .pt reader.

Writes into tests/fixtures/pytorch-pt/ (its README.md lists them): a small state dict (a conv, a
batch norm and a linear layer, their buffers included) saved by torch.save in the zip format
(PyTorch >= 1.6) and the legacy format, in float32, float16, bfloat16 and float64, with a
transposed view and a storage shared at an offset, and inside a wrapper dict as the curve code
saves it; then a PreResNet-8 of the reference's PreResNetBase, and a SimplexNet complex of the
reference's PreResNetSimplex named as the reference names it (`<n>mode_<k>connector_<LMBD>.pt`).
`<name>.expected.safetensors` holds the same tensors as float32 (int64 as I64), written by this
script, which the reader must reproduce bit for bit. Values are rounded to bfloat16 first, so
every dtype holds them exactly and one expected file serves them all. The complex's vertices are
the PreResNet's weights times 1, 2 and 1/2 (exact), so its expected values are that file's.

Run where PyTorch is (Debian's python3-torch 1.13), with the reference code at REFERENCE:
    python3 tests/pytorch/make_pt_fixtures.py REFERENCE/simplex tests/fixtures/pytorch-pt
(the reference's models import scipy and gpytorch for functions this does not call; empty
stand-ins on PYTHONPATH do).
"""

import collections
import json
import struct
import sys

import torch

reference, out = sys.argv[1:3]
sys.path += [reference + "/models", reference]
from preresnet import PreResNetBase, PreResNetSimplex  # noqa: E402
from simplex_models import SimplexNet  # noqa: E402

torch.manual_seed(0)


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        if t.dtype == torch.int64:
            data, dtype = t.numpy().astype("<i8").tobytes(), "I64"
        else:
            data, dtype = t.float().numpy().astype("<f4").tobytes(), "F32"
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def randomize(state):
    """Random values everywhere (statistics and counters too), exact in bfloat16 and float16."""
    with torch.no_grad():
        for name, t in state.items():
            if t.dtype == torch.int64:
                t.fill_(17)
            else:
                t.copy_((t.uniform_(0.5, 1.5) if name.endswith("running_var") else t.normal_(0, 0.5)).bfloat16().float())
    return state


# The small state dict, every dtype and both formats.
small = torch.nn.Sequential(
    collections.OrderedDict(
        conv=torch.nn.Conv2d(3, 8, 3, bias=False), bn=torch.nn.BatchNorm2d(8), fc=torch.nn.Linear(8, 10)
    )
)
sd = randomize(small.state_dict())
write_safetensors(f"{out}/small.expected.safetensors", sd)
torch.save(sd, f"{out}/small-f32.pt")
torch.save(sd, f"{out}/small-f32-legacy.pt", _use_new_zipfile_serialization=False)
for dtype, tag in [(torch.float16, "f16"), (torch.bfloat16, "bf16"), (torch.float64, "f64")]:
    torch.save(
        collections.OrderedDict((k, v.to(dtype) if v.is_floating_point() else v) for k, v in sd.items()),
        f"{out}/small-{tag}.pt",
    )
# Views: fc.weight stored transposed (non-contiguous), conv.weight at an offset into a storage it
# shares with bn.bias.
viewed = collections.OrderedDict(sd)
viewed["fc.weight"] = sd["fc.weight"].t().contiguous().t()
shared = torch.cat([sd["bn.bias"], sd["conv.weight"].flatten()])
viewed["bn.bias"] = shared[: sd["bn.bias"].numel()]
viewed["conv.weight"] = shared[sd["bn.bias"].numel():].view(sd["conv.weight"].shape)
assert not viewed["fc.weight"].is_contiguous() and viewed["conv.weight"].storage_offset() > 0
torch.save(viewed, f"{out}/small-views.pt")
# The curve code's checkpoint: the model's state inside a dict (the optimizer's state beside it).
opt = torch.optim.SGD(small.parameters(), lr=0.1)
torch.save({"epoch": 3, "model_state": sd, "optimizer_state": opt.state_dict()}, f"{out}/checkpoint-3.pt")

# A PreResNet-8 of the reference, and a complex of it: two modes, one connector.
base = PreResNetBase(10, depth=8)
base_sd = randomize(base.state_dict())
write_safetensors(f"{out}/preresnet8.expected.safetensors", base_sd)
torch.save(base_sd, f"{out}/preresnet8.pt")
complex_ = SimplexNet(
    10,
    PreResNetSimplex,
    n_vert=3,
    fix_points=[True, True, False],
    architecture_kwargs={"depth": 8},
    simplicial_complex={0: [0, 2], 1: [1, 2]},
)
state = complex_.state_dict()
for name in state:
    stem = name[len("net."):]
    vertex = stem.rsplit("_", 1)
    if vertex[-1].isdigit() and len(vertex) == 2:
        source = vertex[0].replace("downsample.weight", "downsample.0.weight")
        state[name].copy_(base_sd[source] * [1.0, 2.0, 0.5][int(vertex[1])])
    else:
        state[name].copy_(base_sd[stem])
complex_.load_state_dict(state)
torch.save(complex_.state_dict(), f"{out}/2mode_1connector_0.1.pt")
print("torch", torch.__version__, "wrote", out)
