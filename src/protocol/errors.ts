// Errors are values with a code and a sentence a user can act on. Plain data: they cross the
// worker boundary as {code, message, recoverable} and are rebuilt on the other side.

export type ErrorCode =
  | 'NO_BACKEND'
  | 'DEVICE_LOST'
  | 'QUOTA_EXCEEDED'
  | 'STORAGE'
  | 'BAD_TARBALL'
  | 'BAD_DATASET'
  | 'BAD_SAFETENSORS'
  /** A PyTorch .pt file that is malformed, or names something the studio does not run. */
  | 'BAD_PT'
  | 'SHAPE_MISMATCH'
  | 'BAD_SETTINGS'
  | 'BAD_CHECKPOINT'
  | 'NAN_LOSS'
  /** A run's loss went back to chance level (ln C) for an epoch after it had learned. */
  | 'DIVERGED'
  /** A computed result (a metric, a logit, a volume) is NaN or infinite, so it is not reported. */
  | 'NON_FINITE'
  | 'NOT_FOUND'
  | 'NETWORK'
  | 'CANCELLED'
  | 'BAD_ARGUMENT'
  | 'INTERNAL';

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  /** True when the user can go on (retry, pick another file) without reloading the tab. */
  recoverable: boolean;
}

export class StudioError extends Error {
  override readonly name = 'StudioError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly recoverable = true,
  ) {
    super(message);
  }

  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message, recoverable: this.recoverable };
  }

  static fromInfo(info: ErrorInfo): StudioError {
    return new StudioError(info.code, info.message, info.recoverable);
  }
}

/** Any thrown value as ErrorInfo; unknown failures become INTERNAL with their message kept. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof StudioError) return err.toInfo();
  if (err instanceof DOMException && err.name === 'QuotaExceededError') {
    return {
      code: 'QUOTA_EXCEEDED',
      message:
        'The browser refused to store more data (disk or quota full). Delete a dataset or old runs and try again.',
      recoverable: true,
    };
  }
  if (err instanceof DOMException && err.name === 'AbortError') {
    return { code: 'CANCELLED', message: 'Cancelled.', recoverable: true };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message: `Unexpected error: ${message}`, recoverable: true };
}
