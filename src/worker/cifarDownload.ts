// Runs in the worker. Opens the official CIFAR tarball through the local server's /api/cifar route
// (the browser cannot fetch www.cs.toronto.edu cross-origin) as a file the importer can stream.

import type { ImportFile } from '../engine/formats/cifarImport';
import { CIFAR_DOWNLOADS, type DownloadableKind } from '../protocol/commands/data';
import { StudioError } from '../protocol/errors';

declare const self: DedicatedWorkerGlobalScope;

export async function openCifarDownload(kind: DownloadableKind, signal: AbortSignal): Promise<ImportFile> {
  const { file, title } = CIFAR_DOWNLOADS[kind];
  const failed = (detail: string): StudioError =>
    new StudioError(
      'NETWORK',
      `Could not download ${title} (offline?): ${detail}. Use the file picker with the tarball instead ` +
        `(${file} from https://www.cs.toronto.edu/~kriz/cifar.html).`,
    );
  let response: Response;
  try {
    response = await fetch(new URL(`/api/cifar/${file}`, self.location.origin), { signal });
  } catch (err) {
    if (signal.aborted) throw new StudioError('CANCELLED', 'Download cancelled.');
    throw failed(err instanceof Error ? err.message : String(err));
  }
  if (!response.ok || response.body === null) {
    throw failed(await describeFailure(response));
  }
  const body = response.body;
  const length = Number(response.headers.get('content-length'));
  return {
    name: file,
    ...(Number.isFinite(length) && length > 0 ? { size: length } : {}),
    stream: () => body,
  };
}

/** The route answers failures as JSON {error: {message}}; anything else is named by its status. */
async function describeFailure(response: Response): Promise<string> {
  try {
    const json = (await response.json()) as { error?: { message?: unknown } };
    if (typeof json.error?.message === 'string') return json.error.message;
  } catch {
    // not JSON: a server without the route, or a proxy's page
  }
  return `the local server answered HTTP ${response.status}`;
}
