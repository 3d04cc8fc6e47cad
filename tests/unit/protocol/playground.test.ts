// The Playground's experiment in the address: only what differs from the notebook is written, a
// link reads back to the same experiment, and what a link gets wrong is named, not used.
import { describe, expect, it } from 'vitest';
import {
  NOTEBOOK,
  parsePlaygroundQuery,
  playgroundErrors,
  playgroundQuery,
} from '../../../src/protocol/playground';

describe('the playground URL', () => {
  it('writes only what differs from the notebook and reads it back', () => {
    expect(playgroundQuery(NOTEBOOK)).toBe('');
    const config = {
      ...NOTEBOOK,
      dataset: 'moons' as const,
      noise: 0.5,
      vertices: 6,
      volume: 'lmbd' as const,
      seed: 9,
    };
    const query = playgroundQuery(config);
    expect(query).toBe('dataset=moons&noise=0.5&vertices=6&volume=lmbd&seed=9');
    expect(parsePlaygroundQuery(query)).toEqual({ config, ignored: [] });
  });

  it('names the parameters it cannot use and keeps the notebook’s values for them', () => {
    const { config, ignored } = parsePlaygroundQuery(
      'vertices=9&dataset=swiss&depth=2.5&lr=abc&colour=red&hidden=12',
    );
    expect(ignored).toEqual(['vertices', 'dataset', 'depth', 'lr', 'colour']);
    expect(config).toEqual({ ...NOTEBOOK, hidden: 12 });
    expect(playgroundErrors({ ...NOTEBOOK, nSample: 0, activation: 'gelu' as never })).toEqual({
      nSample: 'Must be from 1 to 20.',
      activation: 'Must be relu or tanh.',
    });
  });
});
