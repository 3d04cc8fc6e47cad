// Per-channel mean and standard deviation of CIFAR-record images, with pixels scaled to [0,1] as
// torchvision's ToTensor does: what an import measures on a training split and stores as the
// dataset's normalisation. Exact: per-channel histograms of byte values (integer counts), so the
// result does not depend on how the records arrive in chunks. The std is the population one
// (divide by N), as `tensor.std(unbiased=False)`.

import { IMAGE_BYTES } from '../formats/cifarLayout';
import type { Normalization } from './normalization';

const PLANE = IMAGE_BYTES / 3;

export class ChannelStats {
  /** histogram[c · 256 + v]: pixels of channel c with byte value v. */
  private readonly histogram = new Float64Array(3 * 256);

  /** Adds n records (n × 3072 bytes, CHW). */
  add(images: Uint8Array): void {
    const h = this.histogram;
    for (let at = 0; at < images.length; at += IMAGE_BYTES) {
      for (let c = 0; c < 3; c++) {
        const base = c * 256;
        const start = at + c * PLANE;
        for (let i = start, end = start + PLANE; i < end; i++) {
          const bin = base + (images[i] as number);
          h[bin] = (h[bin] as number) + 1;
        }
      }
    }
  }

  /** The mean and std per channel; null before any pixel (or when a channel is constant). */
  result(): Normalization | null {
    const channels = [0, 1, 2].map((c) => this.channel(c));
    const [r, g, b] = channels;
    if (!r || !g || !b) return null;
    return { mean: [r.mean, g.mean, b.mean], std: [r.std, g.std, b.std] };
  }

  private channel(c: number): { mean: number; std: number } | null {
    const h = this.histogram.subarray(c * 256, (c + 1) * 256);
    let n = 0;
    let sum = 0;
    h.forEach((k, v) => {
      n += k;
      sum += k * (v / 255);
    });
    if (n === 0) return null;
    const mean = sum / n;
    let sq = 0;
    h.forEach((k, v) => {
      sq += k * (v / 255 - mean) ** 2;
    });
    const std = Math.sqrt(sq / n);
    return std > 0 ? { mean, std } : null;
  }
}
