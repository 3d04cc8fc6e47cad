"""The benchmark's PyTorch side on the CPU: the reference VGG (no batch norm) at the same width,
batch and thread count as the studio's run, trained with SGD (momentum 0.9, weight decay 5e-4,
dropout on, as model.train()) on random 32x32 images, timed after warm-up steps. Prints one
JSON object: {"pytorch_cpu_img_s": ..., "torch": version, "threads": n}.

  python3 tests/bench/pytorch_cpu.py --arch vgg16 --width 0.125 --batch 8 --steps 10 --threads 1

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


def vgg(arch: str, width: float, classes: int) -> nn.Module:
    """The reference's vgg_noBN layout: conv 3x3 pad 1 + ReLU, max-pool 2x2, then
    dropout -> linear -> ReLU -> dropout -> linear -> ReLU -> linear."""
    layers, c_in = [], 3
    for item in CONFIGS[arch]:
        if item == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            c = int(item * width)
            layers += [nn.Conv2d(c_in, c, 3, padding=1), nn.ReLU(inplace=True)]
            c_in = c
    hidden = int(512 * width)
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


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--arch", default="vgg16", choices=sorted(CONFIGS))
    p.add_argument("--width", type=float, default=0.125)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=3)
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = vgg(args.arch, args.width, 10)
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
