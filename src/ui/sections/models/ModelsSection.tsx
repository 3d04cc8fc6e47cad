// Runs on the page: the Models section: import weights, and the library with its exports.

import { useState } from 'react';
import type { ModelSummary } from '../../../protocol/commands/models';
import { toErrorInfo, type ErrorInfo } from '../../../protocol/errors';
import { useEngine } from '../../engineContext';
import { ModelImport } from './ModelImport';
import { ModelTable } from './ModelTable';
import { useModelLibrary } from './useModelLibrary';
import { ErrorNotice } from '../../components/ErrorNotice';

export function ModelsSection() {
  const { client } = useEngine();
  const library = useModelLibrary();
  const [deleteError, setDeleteError] = useState<ErrorInfo | null>(null);

  const remove = async (model: ModelSummary) => {
    setDeleteError(null);
    try {
      await client.call('deleteModel', { id: model.id });
    } catch (err) {
      setDeleteError(toErrorInfo(err));
    }
    library.reload();
  };

  const error = library.error ?? deleteError;
  return (
    <>
      <ModelImport onImported={library.reload} />
      <div className="card">
        <h3 style={{ marginTop: 0 }}>Library</h3>
        {error ? <ErrorNotice error={error} /> : null}
        {library.models === null ? (
          <p className="muted">Loading…</p>
        ) : library.models.length === 0 ? (
          <p className="muted" data-testid="model-library-empty">
            No models yet: train one in the Train section, or import a file above.
          </p>
        ) : (
          <ModelTable models={library.models} onDelete={(m) => void remove(m)} />
        )}
      </div>
    </>
  );
}
