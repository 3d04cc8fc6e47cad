"""The PyTorch side of the weight-file check, run by hand wherever PyTorch is (CI has none).

    npx tsx tests/pytorch/studioExports.ts STUDIO_DIR            # here: the studio's exports
    python3 tests/pytorch/check_interop.py --reference REF --studio STUDIO_DIR \
        --cifar CIFAR_DIR --out tests/fixtures/pytorch-made       # there: PyTorch

1. Runs the README's loading snippet, as printed, on the studio's exports with the paper's
   reference classes (REF holds the `loss-surface-simplexes` checkout), and compares PyTorch's
   logits and the reference's Cayley-Menger volume with the studio's.
2. Writes files made by PyTorch at shapes and dtypes the studio never writes (F16 and BF16 without
   metadata, a two-vertex SimplexNet for CIFAR-10), with PyTorch's float64 logits, for
   tests/unit/formats/pytorchMade.test.ts.

CIFAR_DIR holds the fixture tarballs (../shared/fixtures/cifar-layout). Exit status 1 if a check
of part 1 fails; part 2 runs regardless.
"""
import argparse
import json
import math
import os
import re
import shutil
import sys
import tarfile
import tempfile
import traceback
from pathlib import Path

import torch
from safetensors.torch import save_file

README = Path(__file__).resolve().parents[2] / "README.md"
IMAGENET = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}
IMAGES = 16


def cifar_test_images(tarball, member, record_bytes, n):
    """The first n test images of a fixture tarball as float [n,3,32,32] in [0,1]."""
    with tarfile.open(tarball) as tar:
        raw = tar.extractfile(member).read(record_bytes * n)
    data = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(n, record_bytes)
    return data[:, record_bytes - 3072 :].reshape(n, 3, 32, 32).float() / 255


def normalise(x, stats):
    mean = torch.tensor(stats["mean"]).view(1, 3, 1, 1)
    std = torch.tensor(stats["std"]).view(1, 3, 1, 1)
    return (x - mean) / std


def readme_snippet(vertex_file, simplex_file):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    if len(blocks) != 1:
        raise AssertionError(f"README.md should hold one python block, it holds {len(blocks)}")
    code, n_vertex = re.subn(r'path = "[^"]*_vertex\d+\.safetensors"', f'path = "{vertex_file}"', blocks[0])
    code, n_simplex = re.subn(r'path = "[^"]*_simplex-\d+v\.safetensors"', f'path = "{simplex_file}"', code)
    if (n_vertex, n_simplex) != (1, 1):
        raise AssertionError("the README snippet's two example paths were not found")
    return code


def close(name, got, want, rtol=1e-4):
    got = got.double()
    want = torch.as_tensor(want, dtype=torch.float64)
    scale = want.abs().max().item()
    err = (got - want).abs().max().item()
    ok = got.shape == want.shape and err <= rtol * scale + 1e-7
    print(f"{'ok  ' if ok else 'FAIL'} {name}: shape {tuple(got.shape)}, max |diff| {err:.3g} (scale {scale:.3g})")
    return ok


def flat_vertex(simplex, v):
    params = list(simplex.net.parameters())[v :: simplex.n_vert]
    return torch.cat([p.detach().double().reshape(-1) for p in params])


def cayley_menger(vectors):
    """The reference's volume formula, |det CM| / (((n-1)!)^2 2^(n-1)), in float64."""
    n = len(vectors)
    mat = torch.ones(n + 1, n + 1, dtype=torch.float64) - torch.eye(n + 1, dtype=torch.float64)
    for i in range(n):
        for j in range(n):
            mat[i, j] = ((vectors[i] - vectors[j]) ** 2).sum()
    return torch.det(mat).abs() / (math.factorial(n - 1) ** 2 * 2.0 ** (n - 1))


def check_studio_exports(reference, studio):
    expected = json.loads((studio / "expected.json").read_text())
    work = Path(tempfile.mkdtemp())
    os.symlink(reference / "loss-surface-simplexes", work / "loss-surface-simplexes")
    for name in (expected["vertex"], expected["simplex"]):
        shutil.copy(studio / name, work / name)
    code = readme_snippet(expected["vertex"], expected["simplex"])
    os.chdir(work)
    ns = {"__name__": "readme_snippet"}
    exec(compile(code, "README.md (python block)", "exec"), ns)
    vgg, simplex, meta = ns["vgg"], ns["simplex"], ns["m"]
    results = []
    stats = meta.get("normalisation", IMAGENET)
    x = normalise(cifar_test_images(CIFAR / "cifar-100-binary.tar.gz", "cifar-100-binary/test.bin", 3074, expected["images"]), stats)
    with torch.no_grad():
        results.append(close("VGG16 vertex file: logits", vgg(x), expected["vertexLogits"]))
        simplex.eval()
        results.append(close(f"SimplexNet at {expected['coeffs']}: logits", simplex.net(x, expected["coeffs"]), expected["simplexLogits"]))
        reference_volume = simplex.total_volume().item()
        exact = cayley_menger([flat_vertex(simplex, v) for v in simplex.simplicial_complex[0]])
    # The reference accumulates squared distances of million-long vectors in float32, so it is
    # itself only good to about 1e-3 here: the studio is held to float64 arithmetic instead.
    results.append(close("volume of simplex 0 (studio vs float64 Cayley-Menger)", torch.tensor(expected["volume"]), exact, rtol=1e-5))
    results.append(close("volume of simplex 0 (reference's float32 complex_volume vs float64)", torch.tensor(reference_volume), exact, rtol=1e-2))
    frozen_ok = simplex.fix_points == [True, True, False, False] and simplex.simplicial_complex == {0: [0, 1, 2], 1: [1, 2, 3]}
    print(f"{'ok  ' if frozen_ok else 'FAIL'} fix_points {simplex.fix_points}, simplicial_complex {simplex.simplicial_complex}")
    results.append(frozen_ok)
    return ns, all(results)


def write_pytorch_made(ns, out):
    """Files as PyTorch users write them: save_file(model.state_dict()), no studio metadata."""
    VGG16, VGG16Simplex, SimplexNet, at_width = ns["VGG16"], ns["VGG16Simplex"], ns["SimplexNet"], ns["at_width"]
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    expected = {}

    vgg = at_width(VGG16(100), 0.125, 100).eval()
    with torch.no_grad():
        for p in vgg.parameters():
            if p.dim() == 1:  # the reference zeroes conv biases; make every bias count
                p.uniform_(-0.1, 0.1)
    x100 = normalise(cifar_test_images(CIFAR / "cifar-100-binary.tar.gz", "cifar-100-binary/test.bin", 3074, IMAGES), IMAGENET)
    for dtype, tag in ((torch.float16, "f16"), (torch.bfloat16, "bf16")):
        sd = {k: v.to(dtype).contiguous() for k, v in vgg.state_dict().items()}
        save_file(sd, str(out / f"vgg16-w0.125-c100-{tag}.safetensors"))
        exact = at_width(VGG16(100), 0.125, 100).eval()
        exact.load_state_dict({k: v.float() for k, v in sd.items()})
        with torch.no_grad():
            expected[f"vgg16-w0.125-c100-{tag}.logits"] = exact.double()(x100.double())

    simplex = SimplexNet(
        10,
        lambda n, fix_points: at_width(VGG16Simplex(n, fix_points=fix_points), 0.125, n, fix_points),
        n_vert=2,
        fix_points=[True, False],
    ).eval()
    save_file({k: v.contiguous() for k, v in simplex.state_dict().items()}, str(out / "simplexnet-w0.125-c10-2v.safetensors"), metadata={"format": "pt"})
    x10 = normalise(cifar_test_images(CIFAR / "cifar-10-binary.tar.gz", "cifar-10-batches-bin/test_batch.bin", 3073, IMAGES), IMAGENET)
    net = simplex.double().net
    with torch.no_grad():
        for coeffs, tag in (([1.0, 0.0], "vertex0"), ([0.0, 1.0], "vertex1"), ([0.3, 0.7], "0.3-0.7")):
            expected[f"simplexnet-w0.125-c10-2v.logits.{tag}"] = net(x10.double(), coeffs)
    save_file(
        {k: v.contiguous() for k, v in expected.items()},
        str(out / "expected.safetensors"),
        metadata={
            "images": f"the first {IMAGES} test images of the fixture tarballs (CIFAR-100 for c100, CIFAR-10 for c10), ImageNet normalisation",
            "torch": torch.__version__,
        },
    )
    for f in sorted(out.iterdir()):
        print(f"wrote {f.name} ({f.stat().st_size} bytes)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", type=Path, required=True)
    parser.add_argument("--studio", type=Path, required=True)
    parser.add_argument("--cifar", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    CIFAR = args.cifar.resolve()
    out, reference = args.out.resolve(), args.reference.resolve()
    print(f"torch {torch.__version__}")
    try:
        ns, ok = check_studio_exports(reference, args.studio.resolve())
    except Exception:
        traceback.print_exc()
        ok = False
        ns = None
    if ns is None:  # the snippet failed: part 2 still needs the reference classes and at_width
        sys.path += [str(reference / "loss-surface-simplexes/simplex"), str(reference / "loss-surface-simplexes/simplex/models")]
        ns = {}
        exec(compile(readme_snippet("v.safetensors", "s_simplex-3v.safetensors").split("# One vertex")[0], "README.md", "exec"), ns)
    write_pytorch_made(ns, out)
    print("part 1:", "all checks passed" if ok else "FAILED")
    sys.exit(0 if ok else 1)
