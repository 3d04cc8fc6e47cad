// Runs in Node, inside Vite's dev and preview servers (never in the browser). The route
// /api/cifar/<file> streams the official CIFAR tarball from the Toronto site to the page, which
// cannot fetch it cross-origin. Offline it answers at once (or after a 5 s connect time-out) with
// HTTP 502 and a JSON error the page turns into "use the file picker". CIFAR_UPSTREAM replaces the
// upstream base URL (tests point it at a local server).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Plugin } from 'vite';

export const DEFAULT_CIFAR_UPSTREAM = 'https://www.cs.toronto.edu/~kriz';
export const CIFAR_FILES = ['cifar-10-binary.tar.gz', 'cifar-100-binary.tar.gz'] as const;
const CONNECT_TIMEOUT_MS = 5000;

export interface CifarRouteOptions {
  /** Read per request, so a test can set CIFAR_UPSTREAM after the server started. */
  upstream?: () => string;
  /** Time allowed until the upstream answers with headers. */
  connectTimeoutMs?: number;
}

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** The route as a connect middleware, to be mounted at /api/cifar. */
export function cifarDownloadMiddleware(options: CifarRouteOptions = {}): Middleware {
  const upstream = options.upstream ?? (() => process.env.CIFAR_UPSTREAM ?? DEFAULT_CIFAR_UPSTREAM);
  const timeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  return (req, res, next) => {
    serve(req, res, upstream().replace(/\/+$/, ''), timeoutMs).catch(next);
  };
}

export function cifarDownloadPlugin(): Plugin {
  const route = cifarDownloadMiddleware();
  return {
    name: 'simplex-studio:cifar-download',
    configureServer(server) {
      server.middlewares.use('/api/cifar', route);
    },
    configurePreviewServer(server) {
      server.middlewares.use('/api/cifar', route);
    },
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  base: string,
  timeoutMs: number,
): Promise<void> {
  const file = decodeURIComponent((req.url ?? '').split('?')[0] ?? '').replace(/^\/+/, '');
  if (!(CIFAR_FILES as readonly string[]).includes(file)) {
    sendError(res, 404, `Unknown file "${file}": the route serves ${CIFAR_FILES.join(' and ')}.`);
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendError(res, 405, 'Use GET.');
    return;
  }
  const url = `${base}/${file}`;
  const host = hostOf(url);
  const controller = new AbortController();
  const deadline = { passed: false };
  const timer = setTimeout(() => {
    deadline.passed = true;
    controller.abort();
  }, timeoutMs);
  // The page went away (cancel, reload): stop pulling from upstream.
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  let upstreamResponse: Response;
  try {
    upstreamResponse = await fetch(url, { signal: controller.signal, method: req.method });
  } catch (err) {
    sendError(
      res,
      502,
      deadline.passed
        ? `${host} did not answer within ${timeoutMs / 1000} s`
        : `could not reach ${host} (${describe(err)})`,
    );
    return;
  } finally {
    clearTimeout(timer);
  }
  if (!upstreamResponse.ok) {
    sendError(res, 502, `${host} answered HTTP ${upstreamResponse.status} for ${file}`);
    return;
  }
  const headers: Record<string, string> = { 'content-type': 'application/gzip', 'cache-control': 'no-store' };
  const length = upstreamResponse.headers.get('content-length');
  if (length !== null) headers['content-length'] = length;
  res.writeHead(200, headers);
  if (upstreamResponse.body === null || req.method === 'HEAD') {
    res.end();
    return;
  }
  const body = Readable.fromWeb(upstreamResponse.body as NodeReadableStream<Uint8Array>);
  body.on('error', () => {
    // Headers are gone already: cutting the connection is how the page learns the body broke.
    res.destroy();
  });
  body.pipe(res);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code: 'NETWORK', message } });
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(body);
}

/** Node's fetch wraps the socket error (ENOTFOUND, ECONNREFUSED …) in `cause`. */
function describe(err: unknown): string {
  const cause =
    err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
