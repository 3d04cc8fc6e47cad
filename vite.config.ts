import { defineConfig } from 'vite';
import { cifarDownloadPlugin } from './src/server/cifarDownload';

// The studio is served from 127.0.0.1: WebGPU needs a secure context, and loopback is one. Both
// servers make the page cross-origin isolated (COOP/COEP), which lets tfjs-wasm run threads
// (SharedArrayBuffer); everything the page loads is its own origin's.
const ISOLATED = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [cifarDownloadPlugin()],
  server: { host: '127.0.0.1', port: 5173, strictPort: true, headers: ISOLATED },
  preview: { host: '127.0.0.1', port: 4173, headers: ISOLATED },
  worker: { format: 'es' },
  // Every dependency the page and the worker import is bundled before the first page is served:
  // the optimizer would otherwise find the worker's (tfjs and its backends) only when the worker
  // asks for them, re-bundle, and reload the page mid-start with two copies of tfjs loaded.
  optimizeDeps: {
    entries: ['index.html', 'src/worker/worker.ts'],
    include: [
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-backend-webgpu',
      'plotly.js-dist-min',
      'react',
      'react-dom',
      'react-dom/client',
      'react/jsx-dev-runtime',
      'react/jsx-runtime',
    ],
    noDiscovery: true,
  },
  // Not minified: tfjs-wasm hands its threaded module to the pthreads as the source text of a
  // bundled function, and a minifier's renaming breaks that text (ReferenceError in every pthread).
  build: { target: 'es2022', chunkSizeWarningLimit: 6000, minify: false },
});
