"""PyTorch's speed on the studio's benchmark step, for the side-by-side ratio.

Trains the reference VGG16 (no batch norm: conv 3x3 + ReLU blocks with 2x2 max-pools, then
dropout, l1, ReLU, dropout, l2, ReLU, l3; every width times --width) on random 32x32 inputs
with plain SGD (momentum 0.9, weight decay 5e-4) for --steps steps at --batch, FP32 with TF32
off and then on, and prints one `name value` line per measurement, as the studio's benchmark
does: pytorch_fp32_img_s and pytorch_tf32_img_s. Runs on the GPU when there is one, else on the
CPU (tiny settings, to check the script). Needs only torch.

    python3 tests/bench/pytorch_vgg.py --width 0.125 --batch 8 --steps 3 --warmup 1
"""

import argparse
import math
import time

import torch
from torch import nn

VGG16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def scaled(channels, width):
    # The studio's scaledWidth(): JavaScript's Math.round (halves up), not Python's round().
    return max(1, math.floor(channels * width + 0.5))


def vgg16(width, classes):
    layers, inc = [], 3
    for item in VGG16:
        if item == "M":
            layers.append(nn.MaxPool2d(2))
            continue
        out = scaled(item, width)
        layers += [nn.Conv2d(inc, out, 3, padding=1), nn.ReLU(inplace=True)]
        inc = out
    hidden = scaled(512, width)
    return nn.Sequential(
        *layers,
        nn.Flatten(),
        nn.Dropout(0.5),
        nn.Linear(inc, hidden),
        nn.ReLU(inplace=True),
        nn.Dropout(0.5),
        nn.Linear(hidden, hidden),
        nn.ReLU(inplace=True),
        nn.Linear(hidden, classes),
    )


def images_per_second(ns, device, tf32):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    torch.manual_seed(0)
    model = vgg16(ns.width, ns.classes).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(ns.batch, 3, 32, 32, device=device)
    y = torch.randint(0, ns.classes, (ns.batch,), device=device)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()

    for _ in range(ns.warmup):
        step()
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    sync()
    start = time.perf_counter()
    for _ in range(ns.steps):
        step()
    sync()
    return ns.steps * ns.batch / (time.perf_counter() - start)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--classes", type=int, default=10)
    ns = p.parse_args()
    if ns.width <= 0 or ns.batch < 1 or ns.steps < 1 or ns.warmup < 0 or ns.classes < 2:
        p.error("width > 0, batch ≥ 1, steps ≥ 1, warmup ≥ 0 and classes ≥ 2 are needed")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print(f"pytorch_device {torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu'}")
    print(f"pytorch_version {torch.__version__}")
    print(f"pytorch_fp32_img_s {images_per_second(ns, device, False):.1f}")
    print(f"pytorch_tf32_img_s {images_per_second(ns, device, True):.1f}")


if __name__ == "__main__":
    main()
