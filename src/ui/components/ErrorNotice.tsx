// Runs on the page: a worker error as every section shows it: its code, its message, and the
// sentence that says what to do next (errorAdvice.ts).

import type { ErrorInfo } from '../../protocol/errors';
import { errorAdvice, type AdviceContext } from './errorAdvice';

export interface ErrorNoticeProps {
  error: ErrorInfo;
  /** 'run' for a training run's failures (advice names Resume); anything else is a 'task'. */
  context?: AdviceContext;
  testId?: string;
}

export function ErrorNotice({ error, context = 'task', testId }: ErrorNoticeProps) {
  const advice = errorAdvice(error, context);
  return (
    <div role="alert" className="error error-notice" data-error-code={error.code} data-testid={testId}>
      <strong>{error.code}</strong>: {error.message}
      {advice ? <p>{advice}</p> : null}
    </div>
  );
}
