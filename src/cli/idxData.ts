// An MNIST-family dataset for the command line: the four IDX files (`train-images-idx3-ubyte[.gz]`,
// `train-labels-idx1-ubyte[.gz]`, `t10k-…`) in one folder, read through the studio's own importer so
// Node sees the same 32×32×3 records, class names and per-channel statistics as the tab. Runs in Node.

import { openAsBlob, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ChannelStats } from '../engine/data/channelStats';
import { concatLabeledImages, type LabeledImages } from '../engine/data/labeledImages';
import { idxRole, looksLikeIdxName, type IdxSplit } from '../engine/formats/idx';
import { importIdx, type IdxImportSummary } from '../engine/formats/idxImport';
import type { Normalization } from '../engine/data/normalization';
import { StudioError } from '../protocol/errors';

export interface IdxData {
  summary: IdxImportSummary;
  splits: Record<IdxSplit, LabeledImages>;
  /** Measured on the training split, as the tab stores it with the dataset. */
  normalisation: Normalization;
}

/** True when DATA names an IDX folder or one of its files. */
export function isIdxPath(data: string): boolean {
  try {
    if (statSync(data).isDirectory()) return true;
  } catch {
    return false;
  }
  return looksLikeIdxName(path.basename(data));
}

/** Reads both splits of the IDX files in `data` (a folder, or any one of its four files). */
export async function loadIdxData(data: string): Promise<IdxData> {
  const dir = statSync(data).isDirectory() ? data : path.dirname(data);
  const names = readdirSync(dir).filter((n) => idxRole(n) !== null);
  if (names.length === 0) {
    throw new StudioError(
      'NOT_FOUND',
      `${dir} holds no MNIST-family files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, .gz or not).`,
      false,
    );
  }
  const files = await Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name);
      const blob = await openAsBlob(file);
      return { name, size: blob.size, stream: () => blob.stream() };
    }),
  );
  const chunks: Record<IdxSplit, LabeledImages[]> = { train: [], test: [] };
  const stats = new ChannelStats();
  let summary: IdxImportSummary | null = null;
  for await (const event of importIdx(files)) {
    if (event.type === 'records') {
      chunks[event.chunk.split].push(event.chunk);
      if (event.chunk.split === 'train') stats.add(event.chunk.images);
    } else if (event.type === 'done') summary = event.summary;
  }
  const normalisation = stats.result();
  if (!summary || !normalisation)
    throw new StudioError('INTERNAL', 'The IDX import ended without a summary.');
  return {
    summary,
    splits: { train: concatLabeledImages(chunks.train), test: concatLabeledImages(chunks.test) },
    normalisation,
  };
}
