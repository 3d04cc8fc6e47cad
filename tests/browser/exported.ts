// Reading what the studio exports, from the test's side: the worker writes the file, the test
// parses it with the engine's own reader and compares tensors bit for bit.

import type { Page } from 'playwright-core';
import type {} from '../../src/ui/debugHandle';
import { readSafetensors, type SafetensorsFile } from '../../src/engine/formats/safetensors';

/** The model's simplex export as the worker writes it, parsed here. */
export async function exportedTensors(page: Page, modelId: string): Promise<SafetensorsFile> {
  const base64 = await page.evaluate(async (id) => {
    const exported = await window.__studio?.client.call('exportModel', { id, part: { kind: 'simplex' } });
    if (!exported) throw new Error('no export');
    const bytes = new Uint8Array(await exported.blob.arrayBuffer());
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(text);
  }, modelId);
  return readSafetensors(new Uint8Array(Buffer.from(base64, 'base64')));
}

/** A tensor's bytes, for bit-for-bit comparisons. */
export function bitsOf(data: Float32Array | undefined): Buffer {
  return data ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.alloc(0);
}
