#!/usr/bin/env bash
# The GPU recipe: on a machine with a GPU, a Vulkan driver and PyTorch (and no browser), one
# command measures the studio against PyTorch on the same card. For each width it runs the
# benchmark in Node on Dawn (`--host node --backend webgpu`: the compiled step, and the tfjs path
# in the same run as tfjs_img_s), then tests/bench/pytorch_vgg.py with the same network (VGG16),
# width, batch and step count, and prints one JSON line per width with the studio's fields and
# ratio_vs_pytorch_fp32 / ratio_vs_pytorch_tf32 (base_img_s over PyTorch's img/s), and always
# gpu_ms_per_step and tflops: the compiled step's GPU time from timestamps and its training
# FLOP/s over that time, null where the card does not offer timestamp-query.
#
#   bash tests/bench/gpu.sh                                   # VGG16, widths 1/8 and 1, batch 128
#   WIDTHS=0.125 BATCH=8 STEPS=2 bash tests/bench/gpu.sh      # a quick check, e.g. on SwiftShader
#
# Needs npm ci done, Node, and python3 with torch ($PYTHON overrides). Keep STEPS at 20 or below to
# finish in about 8 minutes on an H200.
set -euo pipefail
cd "$(dirname "$0")/../.."
WIDTHS=${WIDTHS:-"0.125 1"}
BATCH=${BATCH:-128}
STEPS=${STEPS:-20}
PYTHON=${PYTHON:-python3}
for width in $WIDTHS; do
  studio=$(npx tsx tests/bench/run.ts --host node --backend webgpu --arch vgg16 --width "$width" \
    --batch "$BATCH" --steps "$STEPS" | tail -n 1)
  torch=$("$PYTHON" tests/bench/pytorch_vgg.py --width "$width" --batch "$BATCH" --steps "$STEPS")
  STUDIO="$studio" TORCH="$torch" node -e '
    const studio = JSON.parse(process.env.STUDIO);
    const torch = Object.fromEntries(process.env.TORCH.trim().split("\n").map((l) => l.split(" ")));
    const fp32 = Number(torch.pytorch_fp32_img_s);
    const tf32 = Number(torch.pytorch_tf32_img_s);
    console.log(JSON.stringify({
      ...studio,
      pytorch_device: torch.pytorch_device,
      pytorch_fp32_img_s: fp32,
      pytorch_tf32_img_s: tf32,
      ratio_vs_pytorch_fp32: studio.base_img_s / fp32,
      ratio_vs_pytorch_tf32: studio.base_img_s / tf32,
      gpu_ms_per_step: studio.gpu_ms_per_step ?? null,
      tflops: studio.tflops ?? null,
    }));'
done
