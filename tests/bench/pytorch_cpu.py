"""The benchmark's PyTorch side on the CPU: the reference's network (vgg_noBN.py's VGG, vgg.py's
VGG with batch norm, or preresnet.py's PreResNet, rebuilt here from standard modules) at the
same width, batch and thread count as the studio's run, trained with SGD (momentum 0.9, weight
decay 5e-4, model.train(): dropout on, batch statistics) on random 32x32 images, timed after
warm-up steps. Prints one JSON object: {"pytorch_cpu_img_s": ..., "torch": version, "threads": n}.

  python3 tests/bench/pytorch_cpu.py --arch vgg16 --width 0.125 --batch 8 --steps 10 --threads 1
  python3 tests/bench/pytorch_cpu.py --arch preresnet20 --width 1 --batch 32 --threads 1

Run by `npm run -s bench` where python3 with torch is found; the studio never depends on it.
"""

import argparse
import json
import time

import torch
import torch.nn as nn

CONFIGS = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def scaled(c: int, width: float) -> int:
    return max(1, round(c * width))


def vgg(arch: str, width: float, classes: int, bn: bool) -> nn.Module:
    """The reference's vgg_noBN layout: conv 3x3 pad 1 (+ BatchNorm, vgg.py) + ReLU, max-pool 2x2,
    then dropout -> linear -> ReLU -> dropout -> linear -> ReLU -> linear."""
    layers, c_in = [], 3
    for item in CONFIGS[arch]:
        if item == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            c = scaled(item, width)
            layers += [nn.Conv2d(c_in, c, 3, padding=1)]
            if bn:
                layers.append(nn.BatchNorm2d(c))
            layers.append(nn.ReLU(inplace=True))
            c_in = c
    hidden = scaled(512, width)
    return nn.Sequential(
        *layers,
        nn.Flatten(),
        nn.Dropout(),
        nn.Linear(c_in, hidden),
        nn.ReLU(True),
        nn.Dropout(),
        nn.Linear(hidden, hidden),
        nn.ReLU(True),
        nn.Linear(hidden, classes),
    )


class Block(nn.Module):
    """preresnet.py's BasicBlock (bottleneck False) or Bottleneck, pre-activation."""

    def __init__(self, c_in: int, planes: int, stride: int, bottleneck: bool) -> None:
        super().__init__()
        out = planes * (4 if bottleneck else 1)
        if bottleneck:
            self.body = nn.Sequential(
                nn.BatchNorm2d(c_in), nn.ReLU(True), nn.Conv2d(c_in, planes, 1, bias=False),
                nn.BatchNorm2d(planes), nn.ReLU(True), nn.Conv2d(planes, planes, 3, stride, 1, bias=False),
                nn.BatchNorm2d(planes), nn.ReLU(True), nn.Conv2d(planes, out, 1, bias=False),
            )
        else:
            self.body = nn.Sequential(
                nn.BatchNorm2d(c_in), nn.ReLU(True), nn.Conv2d(c_in, planes, 3, stride, 1, bias=False),
                nn.BatchNorm2d(planes), nn.ReLU(True), nn.Conv2d(planes, out, 3, 1, 1, bias=False),
            )
        self.shortcut = nn.Conv2d(c_in, out, 1, stride, bias=False) if stride != 1 or c_in != out else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + (self.shortcut(x) if self.shortcut is not None else x)


def preresnet(depth: int, width: float, classes: int) -> nn.Module:
    bottleneck = depth >= 44
    n = (depth - 2) // (9 if bottleneck else 6)
    c = scaled(16, width)
    layers = [nn.Conv2d(3, c, 3, padding=1, bias=False)]
    for s, planes in enumerate([16, 32, 64]):
        for i in range(n):
            layers.append(Block(c, scaled(planes, width), 2 if s > 0 and i == 0 else 1, bottleneck))
            c = scaled(planes, width) * (4 if bottleneck else 1)
    return nn.Sequential(
        *layers, nn.BatchNorm2d(c), nn.ReLU(True), nn.AvgPool2d(8), nn.Flatten(), nn.Linear(c, classes)
    )


def network(arch: str, width: float, classes: int) -> nn.Module:
    if arch.startswith("preresnet"):
        return preresnet(int(arch[len("preresnet"):]), width, classes)
    bn = arch.endswith("bn")
    return vgg(arch[:-2] if bn else arch, width, classes, bn)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--arch", default="vgg16")
    p.add_argument("--width", type=float, default=0.125)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=3)
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = network(args.arch, args.width, 10)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(args.batch, 3, 32, 32)
    y = torch.randint(0, 10, (args.batch,))

    def step() -> None:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    for _ in range(args.warmup):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "pytorch_cpu_img_s": args.steps * args.batch / seconds,
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
            }
        )
    )


if __name__ == "__main__":
    main()
