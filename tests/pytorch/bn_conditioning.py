"""How far PyTorch itself lands from ../shared/fixtures/bn-reference's train-mode gradient.

The fixture's gradients were computed in float64. This recomputes them with the reference's own
SimplexNet classes from the same weights and images, in float64 and float32, with the normalised
inputs computed in float64 or rounded to float32 first, and prints each run's worst relative
error (max |diff| / max |expected| per tensor) against the fixture. For PreResNet-47 it is 1e-2
to 4e-2: the gradient there is ill-conditioned, which bnParity.test.ts's tolerance cites.

Run where PyTorch is (Debian's python3-torch), with the reference code beside it:
    python3 tests/pytorch/bn_conditioning.py REFERENCE_SIMPLEX_DIR FIXTURE_DIR preresnet47
REFERENCE_SIMPLEX_DIR is loss-surface-simplexes/simplex (its models/ import scipy and gpytorch
only for functions this does not call; empty stand-ins on PYTHONPATH do).
"""

import json
import struct
import sys

import numpy as np
import torch

reference, fixtures, network = sys.argv[1:4]
sys.path += [reference + '/models', reference]
from preresnet import PreResNetSimplex  # noqa: E402
from simplex_models import SimplexNet  # noqa: E402
from vgg import VGG16Simplex  # noqa: E402

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def load(path):
    raw = open(path, 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for key, v in header.items():
        if key == '__metadata__':
            continue
        begin, end = v['data_offsets']
        dtype = {'F32': np.float32, 'I64': np.int64, 'F64': np.float64}[v['dtype']]
        data = np.frombuffer(raw[8 + n + begin:8 + n + end], dtype=dtype).reshape(v['shape'])
        out[key] = torch.from_numpy(data.copy())
    return out


def images(path, rounded):
    raw = open(path, 'rb').read()
    n = len(raw) // 3073
    x = np.zeros((n, 3, 32, 32))
    y = np.zeros(n, dtype=np.int64)
    for r in range(n):
        y[r] = raw[r * 3073]
        pixels = np.frombuffer(raw[r * 3073 + 1:(r + 1) * 3073], dtype=np.uint8).reshape(3, 32, 32)
        for c in range(3):
            if rounded:
                x[r, c] = (pixels[c].astype(np.float32) / np.float32(255) - np.float32(MEAN[c])) / np.float32(STD[c])
            else:
                x[r, c] = (pixels[c] / 255.0 - MEAN[c]) / STD[c]
    return x, y


folder = f'{fixtures}/{network}'
state = load(folder + '/vertices.safetensors')
expected = load(folder + '/expected.safetensors')
alpha = expected['alpha'].tolist()
if network.startswith('preresnet'):
    arch, kwargs = PreResNetSimplex, {'depth': int(network[len('preresnet'):])}
else:
    sys.exit('only the PreResNets: the VGG-BN fixture is at width 1/8, which the reference class does not build')
for rounded in [False, True]:
    x, y = images(folder + '/inputs.bin', rounded)
    for dtype in [torch.float64, torch.float32]:
        model = SimplexNet(10, arch, n_vert=3, fix_points=[True, True, False], architecture_kwargs=kwargs)
        model.load_state_dict(state)
        model = model.to(dtype)
        model.train()
        loss = torch.nn.functional.cross_entropy(model.net(torch.tensor(x, dtype=dtype), alpha), torch.tensor(y))
        loss.backward()
        worst = max(
            ((p.grad.double() - expected['grad.loss.' + name[:-2]].double()).abs().max()
             / expected['grad.loss.' + name[:-2]].double().abs().max()).item()
            for name, p in model.net.named_parameters() if name.endswith('_2')
        )
        inputs = 'float32-rounded inputs' if rounded else 'float64 inputs'
        print(f'{network} {str(dtype)[6:]} with {inputs}: worst relative gradient error {worst:.2e}')
