// The /api/cifar route in Node against local upstreams: it streams the tarball through unchanged,
// and answers a dead or silent upstream quickly with a 502 JSON error the page can show.

import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cifarDownloadMiddleware } from '../../../src/server/cifarDownload';

const FIXTURE = path.resolve(process.cwd(), '../shared/fixtures/cifar-layout/cifar-10-binary.tar.gz');
const servers: Server[] = [];

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The route mounted at /api/cifar, as Vite's connect stack mounts it (prefix stripped). */
function route(upstream: string, connectTimeoutMs = 5000): Promise<string> {
  const middleware = cifarDownloadMiddleware({ upstream: () => upstream, connectTimeoutMs });
  return listen(
    createServer((req, res) => {
      req.url = (req.url ?? '').replace(/^\/api\/cifar/, '');
      middleware(req, res, (err) => {
        res.writeHead(500).end(String(err));
      });
    }),
  );
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

describe('/api/cifar route', () => {
  it('streams the upstream tarball unchanged with its length', async () => {
    const bytes = readFileSync(FIXTURE);
    const upstream = await listen(
      createServer((req, res) => {
        expect(req.url).toBe('/cifar-10-binary.tar.gz');
        res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
      }),
    );
    const res = await fetch(`${await route(upstream)}/api/cifar/cifar-10-binary.tar.gz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('answers 502 at once when nothing listens upstream', async () => {
    const closed = createServer();
    const dead = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    servers.pop();
    const started = Date.now();
    const res = await fetch(`${await route(dead)}/api/cifar/cifar-100-binary.tar.gz`);
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('NETWORK');
    expect(body.error.message).toMatch(/could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('gives up on an upstream that never answers after the connect time-out', async () => {
    const silent = await listen(
      createServer(() => {
        // accepts the connection, never answers
      }),
    );
    const res = await fetch(`${await route(silent, 300)}/api/cifar/cifar-10-binary.tar.gz`);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      'did not answer within 0.3 s',
    );
  });

  it('passes an upstream error status on as 502 and refuses unknown files', async () => {
    const missing = await listen(
      createServer((_req, res) => {
        res.writeHead(404).end();
      }),
    );
    const base = await route(missing);
    const res = await fetch(`${base}/api/cifar/cifar-10-binary.tar.gz`);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('HTTP 404');
    expect((await fetch(`${base}/api/cifar/../../etc/passwd`)).status).toBe(404);
    expect((await fetch(`${base}/api/cifar/cifar-10-python.tar.gz`)).status).toBe(404);
  });
});
