// The test double for the CIFAR download route's upstream (www.cs.toronto.edu): a local HTTP
// server that serves the miniature fixture tarballs under the official file names. Started by
// globalSetup, which points CIFAR_UPSTREAM at it before the preview server starts. POST /__mode
// with body `offline` makes it cut every connection (as a dead network would), `online` restores it.

import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

declare module 'vitest' {
  export interface ProvidedContext {
    cifarUpstreamUrl: string;
  }
}

export const FIXTURE_DIR = path.resolve(process.cwd(), '../shared/fixtures/cifar-layout');
const FILES = new Set(['cifar-10-binary.tar.gz', 'cifar-100-binary.tar.gz']);

export async function startCifarUpstreamDouble(): Promise<{ url: string; close: () => Promise<void> }> {
  let offline = false;
  const server: Server = createServer((req, res) => {
    const name = (req.url ?? '').replace(/^\/+/, '');
    if (req.method === 'POST' && name === '__mode') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        offline = body.trim() === 'offline';
        res.end(offline ? 'offline' : 'online');
      });
      return;
    }
    if (offline) {
      req.socket.destroy();
      return;
    }
    if (!FILES.has(name)) {
      res.writeHead(404).end('not found');
      return;
    }
    readFile(path.join(FIXTURE_DIR, name)).then(
      (bytes) => {
        res.writeHead(200, { 'content-type': 'application/x-gzip', 'content-length': bytes.length });
        res.end(bytes);
      },
      (err: unknown) => {
        res.writeHead(500).end(String(err));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** Switches the double between serving and cutting connections. */
export async function setUpstreamOffline(url: string, offline: boolean): Promise<void> {
  const res = await fetch(`${url}/__mode`, { method: 'POST', body: offline ? 'offline' : 'online' });
  await res.text();
}
