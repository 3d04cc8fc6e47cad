import { defineConfig } from 'vite';
import { cifarDownloadPlugin } from './src/server/cifarDownload';

// The studio is served from 127.0.0.1: WebGPU needs a secure context, and loopback is one.
export default defineConfig({
  plugins: [cifarDownloadPlugin()],
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173 },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 6000 },
});
