import { describe, expect, it } from 'vitest';
import { errorAdvice } from '../../../src/ui/components/errorAdvice';
import type { ErrorCode } from '../../../src/protocol/errors';

const info = (code: ErrorCode) => ({ code, message: 'm', recoverable: true });

describe('error advice', () => {
  it('tells a failed run how to go on from its checkpoint', () => {
    expect(errorAdvice(info('DEVICE_LOST'), 'run')).toContain('Resume');
    expect(errorAdvice(info('QUOTA_EXCEEDED'), 'run')).toContain('Resume');
  });

  it('never offers Resume outside a run, where there is nothing to resume', () => {
    for (const code of ['DEVICE_LOST', 'QUOTA_EXCEEDED', 'STORAGE', 'BAD_SETTINGS', 'NOT_FOUND'] as const) {
      const advice = errorAdvice(info(code), 'task');
      expect(advice).not.toBeNull();
      expect(advice).not.toMatch(/Resume|new run/);
    }
  });

  it('adds nothing to errors whose message already says what to do', () => {
    expect(errorAdvice(info('BAD_SAFETENSORS'), 'task')).toBeNull();
    expect(errorAdvice(info('INTERNAL'), 'run')).toBeNull();
  });
});
