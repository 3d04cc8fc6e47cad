// Runs on the page: the Data section — import, the stored datasets, and storage use. All reading,
// parsing and storing happens in the worker; this only sends commands and draws the answers.

import { useState, useSyncExternalStore } from 'react';
import type { DatasetId } from '../../../protocol/commands/data';
import { toErrorInfo, type ErrorInfo } from '../../../protocol/errors';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useEngine } from '../../engineContext';
import { DatasetCard } from './DatasetCard';
import { ImportPanel } from './ImportPanel';
import { StoragePanel } from './StoragePanel';
import { formatCount } from './format';
import { useDatasets } from './useDatasets';
import { QuickStartCard } from '../train/QuickStartCard';
import { quickStartFor } from '../train/quickStart';
import { useRuns } from '../train/useRuns';
import './data.css';

export function DataSection() {
  const { client } = useEngine();
  const { datasets, generating, failure, refresh } = useDatasets();
  const [deleteError, setDeleteError] = useState<ErrorInfo | null>(null);
  // A new user lands here: the quick start leads while no run exists, and stays while it runs.
  const { snapshot } = useRuns();
  const quickStart = quickStartFor(client);
  const { state } = useSyncExternalStore(quickStart.subscribe, quickStart.getSnapshot);
  const showQuickStart = snapshot.runs?.length === 0 || state.phase !== 'idle';

  const remove = (id: DatasetId) => {
    setDeleteError(null);
    client.call('deleteDataset', { id }).then(refresh, (err: unknown) => {
      setDeleteError(toErrorInfo(err));
    });
  };

  return (
    <div className="data-section">
      {showQuickStart ? <QuickStartCard datasets={datasets} /> : null}
      <ImportPanel onImported={refresh} />
      <StoragePanel refreshKey={datasets} />
      {failure ? <ErrorNotice error={failure} /> : null}
      {deleteError ? <ErrorNotice error={deleteError} /> : null}
      {generating?.stage === 'generating' ? (
        <p className="muted" data-testid="synthetic-progress">
          Generating the built-in synthetic dataset: {formatCount(generating.records)} of{' '}
          {formatCount(generating.totalRecords)} images…{' '}
          <progress value={generating.records} max={generating.totalRecords} />
        </p>
      ) : null}
      {datasets === null && failure === null ? <p className="muted">Loading datasets…</p> : null}
      {datasets?.map((dataset) => (
        <DatasetCard
          key={dataset.id}
          dataset={dataset}
          onDelete={
            dataset.kind === 'synthetic'
              ? null
              : () => {
                  remove(dataset.id);
                }
          }
        />
      ))}
    </div>
  );
}
