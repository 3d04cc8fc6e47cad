// Serves the built app (dist/, made by `vite build` before the browser tests) on 127.0.0.1.

import { preview } from 'vite';
import type { TestProject } from 'vitest/node';
import { existsSync } from 'node:fs';
import { startCifarUpstreamDouble } from './cifarUpstreamDouble';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync('dist/index.html'))
    throw new Error('dist/ is missing: run `vite build` before the browser tests');
  // The download route's upstream is a local double serving the fixture tarballs.
  const upstream = await startCifarUpstreamDouble();
  process.env.CIFAR_UPSTREAM = upstream.url;
  project.provide('cifarUpstreamUrl', upstream.url);
  const server = await preview({
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
    logLevel: 'warn',
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a URL');
  project.provide('baseUrl', url);
  return async () => {
    await server.close();
    await upstream.close();
  };
}
