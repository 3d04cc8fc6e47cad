import { defineConfig } from 'vitest/config';

// The gpu project runs WGSL kernels in Node on Dawn (the `webgpu` package) with SwiftShader's
// Vulkan driver from Debian's chromium, so `npm test` needs no GPU. Set here, before the test
// processes start: the loader reads LD_LIBRARY_PATH only at process start. A machine with a
// Vulkan GPU driver can set VK_ICD_FILENAMES itself.
const chromiumLib = '/usr/lib/chromium';
process.env.VK_ICD_FILENAMES ??= `${chromiumLib}/vk_swiftshader_icd.json`;
process.env.LD_LIBRARY_PATH = [chromiumLib, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');

// Three projects: the engine in Node on the tfjs CPU backend, the compiled step's kernels in Node
// on Dawn, and the built app in real Chromium.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'gpu',
          include: ['tests/gpu/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/browser/globalSetup.ts'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
