// An image folder for the command line: a folder of class folders (or train/ and test/ each holding
// them), or a .zip of one, read through the studio's own image-folder importer so Node sees the
// same 32×32×3 records, classes and split as the tab. Node decodes PNG only (the studio's decoder);
// other image files are skipped, as undecodable files are in the tab. Runs in Node.

import { readdirSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { concatLabeledImages, type LabeledImages } from '../engine/data/labeledImages';
import {
  importImageFolder,
  zipFolderFiles,
  type FolderFile,
  type ImageFolderSummary,
} from '../engine/formats/imageFolderImport';
import { decodePng } from '../engine/formats/png';
import { StudioError } from '../protocol/errors';
import { checkInput, readInput } from './files';

export interface ImageFolderData {
  summary: ImageFolderSummary;
  split: LabeledImages;
}

/** True when DATA is a .zip or a folder that holds folders (an MNIST-family folder holds files). */
export function isImageFolderPath(data: string): boolean {
  if (data.toLowerCase().endsWith('.zip')) return true;
  try {
    return (
      statSync(data).isDirectory() && readdirSync(data, { withFileTypes: true }).some((e) => e.isDirectory())
    );
  } catch {
    return false;
  }
}

/** Reads the images of `data` and keeps the split asked for. */
export async function loadImageFolderData(data: string, split: 'train' | 'test'): Promise<ImageFolderData> {
  const handle = data.toLowerCase().endsWith('.zip') ? await open(data, 'r') : null;
  try {
    const files = handle ? await zipFiles(data, handle) : folderFiles(data);
    const chunks: LabeledImages[] = [];
    let summary: ImageFolderSummary | null = null;
    for await (const event of importImageFolder(files, decodePng)) {
      if (event.type === 'records' && event.chunk.split === split) chunks.push(event.chunk);
      else if (event.type === 'done') summary = event.summary;
    }
    if (!summary) throw new StudioError('INTERNAL', 'The image folder import ended without a summary.');
    return { summary, split: concatLabeledImages(chunks) };
  } finally {
    await handle?.close();
  }
}

async function zipFiles(file: string, handle: Awaited<ReturnType<typeof open>>): Promise<FolderFile[]> {
  const { size } = await handle.stat();
  return zipFolderFiles({
    name: path.basename(file),
    size,
    read: async (offset, length) => {
      const bytes = new Uint8Array(length);
      const { bytesRead } = await handle.read(bytes, 0, length, offset);
      return bytes.subarray(0, bytesRead);
    },
  });
}

/** Every file under `dir`, named as a browser's folder picker names it: from the folder's own name. */
function folderFiles(dir: string): FolderFile[] {
  const root = path.resolve(dir);
  const files: FolderFile[] = [];
  const walk = (at: string, relative: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      const name = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(full, name);
      else if (entry.isFile()) {
        files.push({
          path: name,
          size: checkInput(full, 'image file'),
          read: () => Promise.resolve(readInput(full, 'image file')),
        });
      }
    }
  };
  walk(root, path.basename(root));
  return files;
}
