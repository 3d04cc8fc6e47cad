// Runs on the page: the first images of a split, drawn from their CHW bytes (1024 R, 1024 G,
// 1024 B per image) into small canvases, with the class name on hover.

import { useEffect, useRef, useState } from 'react';
import type { DatasetId, DatasetSplit } from '../../../protocol/commands/data';
import { toErrorInfo } from '../../../protocol/errors';
import { useEngine } from '../../engineContext';

const SIDE = 32;
const PIXELS = SIDE * SIDE;
const SAMPLES = 32;

export function SampleGrid(props: {
  id: DatasetId;
  split: DatasetSplit;
  classNames: string[];
  /** Changes when the dataset is replaced, so the grid reloads. */
  checksum: string;
}) {
  const { id, split, classNames, checksum } = props;
  const { client } = useEngine();
  const [samples, setSamples] = useState<{ images: Uint8Array; labels: Uint8Array } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    client.call('datasetSamples', { id, split, count: SAMPLES }).then(
      (s) => {
        if (live) setSamples(s);
      },
      (err: unknown) => {
        if (live) setError(toErrorInfo(err).message);
      },
    );
    return () => {
      live = false;
    };
  }, [client, id, split, checksum]);

  if (error !== null) return <p className="error">{error}</p>;
  if (!samples) return <p className="muted">Loading samples…</p>;
  return (
    <div className="sample-grid" data-testid="sample-grid">
      {Array.from(samples.labels, (label, i) => (
        <SampleImage
          key={i}
          pixels={samples.images.subarray(i * 3 * PIXELS, (i + 1) * 3 * PIXELS)}
          title={classNames[label] ?? `class ${label}`}
        />
      ))}
    </div>
  );
}

function SampleImage({ pixels, title }: { pixels: Uint8Array; title: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const image = ctx.createImageData(SIDE, SIDE);
    for (let p = 0; p < PIXELS; p++) {
      image.data[4 * p] = pixels[p] ?? 0;
      image.data[4 * p + 1] = pixels[PIXELS + p] ?? 0;
      image.data[4 * p + 2] = pixels[2 * PIXELS + p] ?? 0;
      image.data[4 * p + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
  }, [pixels]);
  return <canvas ref={ref} width={SIDE} height={SIDE} title={title} aria-label={title} role="img" />;
}
