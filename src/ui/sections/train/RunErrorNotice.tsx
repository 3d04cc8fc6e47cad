// Runs on the page: a run's failure with the sentence that says what to do next.

import type { ErrorInfo } from '../../../protocol/errors';
import { errorAdvice } from './errorAdvice';

export function RunErrorNotice({ error }: { error: ErrorInfo }) {
  const advice = errorAdvice(error);
  return (
    <div role="alert" className="error run-error" data-error-code={error.code}>
      <strong>{error.code}</strong>: {error.message}
      {advice ? <p>{advice}</p> : null}
    </div>
  );
}
