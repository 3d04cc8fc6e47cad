// The test double for the CIFAR download route's upstream (www.cs.toronto.edu): a local HTTP
// server that serves the miniature fixture tarballs under the official file names. Started by
// globalSetup, which points CIFAR_UPSTREAM at it before the preview server starts. POST /__mode
// with body `offline` makes it cut every connection (as a dead network would), `slow` makes it
// trickle the bytes out over a few seconds (so a test can cancel mid-download), `online` restores it.

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

export type UpstreamMode = 'online' | 'offline' | 'slow';

/** Bytes per tick and tick length of the slow mode: the CIFAR-10 fixture takes about 4 s. */
const SLOW_PIECE = 8 * 1024;
const SLOW_TICK_MS = 40;

export async function startCifarUpstreamDouble(): Promise<{ url: string; close: () => Promise<void> }> {
  let mode: UpstreamMode = 'online';
  const server: Server = createServer((req, res) => {
    const name = (req.url ?? '').replace(/^\/+/, '');
    if (req.method === 'POST' && name === '__mode') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const wanted = body.trim();
        mode = wanted === 'offline' || wanted === 'slow' ? wanted : 'online';
        res.end(mode);
      });
      return;
    }
    if (mode === 'offline') {
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
        if (mode !== 'slow') {
          res.end(bytes);
          return;
        }
        let at = 0;
        const timer = setInterval(() => {
          if (res.destroyed || at >= bytes.length) {
            clearInterval(timer);
            res.end();
            return;
          }
          res.write(bytes.subarray(at, at + SLOW_PIECE));
          at += SLOW_PIECE;
        }, SLOW_TICK_MS);
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

/** Switches the double between serving, cutting connections, and trickling bytes. */
export async function setUpstreamMode(url: string, mode: UpstreamMode): Promise<void> {
  const res = await fetch(`${url}/__mode`, { method: 'POST', body: mode });
  await res.text();
}
