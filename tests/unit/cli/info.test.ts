// `info` on the PyTorch fixtures: both layouts, shapes read from the tensors.
import { describe, expect, it } from 'vitest';
import { paramCount } from '../../../src/protocol/network';
import { cli, cliJson, ref } from './cliHarness';

const SPEC = { architecture: 'vgg16', widthScale: 0.125, numClasses: 10 } as const;

describe('cli info', () => {
  it('describes a SimplexNet file of three vertices', async () => {
    const info = await cliJson('info', ref('vertices.safetensors'));
    expect(info).toMatchObject({
      layout: 'simplex',
      architecture: 'vgg16',
      widthScale: 0.125,
      classes: 10,
      vertexCount: 3,
      frozen: [],
      complex: [[0, 1, 2]],
      paramsPerVertex: paramCount(SPEC),
    });
  });

  it('describes a VGG16 file of one vertex', async () => {
    const info = await cliJson('info', ref('vertex0.safetensors'));
    expect(info).toMatchObject({
      layout: 'base',
      architecture: 'vgg16',
      widthScale: 0.125,
      classes: 10,
      vertexCount: 1,
      frozen: [],
      complex: [[0]],
      paramsPerVertex: paramCount(SPEC),
    });
  });

  it('prints exactly one JSON object and nothing on stderr', async () => {
    const r = await cli('info', ref('vertex0.safetensors'));
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(() => JSON.parse(r.out) as unknown).not.toThrow();
  });

  it('has help for the CLI and each command', async () => {
    for (const argv of [['--help'], ['info', '--help'], ['eval', '--help'], ['convert', '-h']]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.out, argv.join(' ')).toMatch(/Usage:/);
    }
    expect((await cli('eval', '--help')).out).toMatch(/centroid of simplex 0/);
  });
});
