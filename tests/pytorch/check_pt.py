"""PyTorch's side of the .pt round trip, run by hand where PyTorch is (CI has none):

    npx tsx tests/pytorch/studioPt.ts OUT                     # the studio writes .pt files
    python3 tests/pytorch/check_pt.py REFERENCE/simplex OUT CIFAR_DIR

Loads the studio's .pt files with plain torch.load, with and without weights_only=True, into the
reference's own classes (PreResNetBase; SimplexNet of PreResNetSimplex with the complex the file's
metadata gives), strictly, and compares their eval-mode logits on the CIFAR-10 fixture's first
test images with the studio CLI's. Exit status 1 if a check fails.
"""

import json
import sys
import tarfile
import zipfile

import torch

reference, out, cifar = sys.argv[1:4]
sys.path += [reference + "/models", reference]
from preresnet import PreResNetBase, PreResNetSimplex  # noqa: E402
from simplex_models import SimplexNet  # noqa: E402

expected = json.load(open(f"{out}/expected.json"))
n = expected["images"]
with tarfile.open(f"{cifar}/cifar-10-binary.tar.gz") as tar:
    raw = tar.extractfile("cifar-10-batches-bin/test_batch.bin").read(3073 * n)
data = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(n, 3073)
x = data[:, 1:].reshape(n, 3, 32, 32).float() / 255
x = (x - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

failed = False


def check(what, logits, want):
    global failed
    diff = (logits - torch.tensor(want)).abs().max().item()
    scale = torch.tensor(want).abs().max().item()
    ok = diff <= 1e-4 * scale
    failed |= not ok
    print(f"{'ok' if ok else 'FAILED'}: {what}: max |diff| {diff:.2e} of {scale:.2e}")


for weights_only in [True, False]:
    vertex = torch.load(f"{out}/{expected['vertex']}", weights_only=weights_only)
    base = PreResNetBase(10, depth=8)
    base.load_state_dict(vertex)
    base.eval()
    with torch.no_grad():
        check(f"vertex file, weights_only={weights_only}", base(x), expected["vertexLogits"])

    state = torch.load(f"{out}/{expected['simplex']}", weights_only=weights_only)
    meta = json.loads(zipfile.ZipFile(f"{out}/{expected['simplex']}").read("archive/studio.json"))
    complex_ = json.loads(meta["complex"])
    frozen = json.loads(meta["frozen"])
    k = sum(1 for key in state if key.startswith("net.conv1.weight_"))
    simplex = SimplexNet(
        10,
        PreResNetSimplex,
        n_vert=k,
        fix_points=[i in frozen for i in range(k)],
        architecture_kwargs={"depth": 8},
        simplicial_complex={i: list(s) for i, s in enumerate(complex_)},
    )
    simplex.load_state_dict(state)
    simplex.eval()
    with torch.no_grad():
        check(f"SimplexNet file at {expected['coeffs']}, weights_only={weights_only}", simplex.net(x, expected["coeffs"]), expected["simplexLogits"])
    print("complex from the metadata:", complex_, "frozen:", frozen)

print("torch", torch.__version__)
sys.exit(1 if failed else 0)
