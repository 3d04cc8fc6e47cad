// Runs on the page: one stored dataset — counts per split, class histogram, sample images, and
// the delete button (imports only: the built-in synthetic set is regenerated whenever missing).

import { useState } from 'react';
import type { DatasetInfo, DatasetSplit } from '../../../protocol/commands/data';
import { ClassHistogram } from './ClassHistogram';
import { SampleGrid } from './SampleGrid';
import { formatBytes, formatCount } from './format';

const SPLITS: { id: DatasetSplit; title: string }[] = [
  { id: 'train', title: 'Train' },
  { id: 'test', title: 'Test' },
];

function fixed(v: number): string {
  return v.toFixed(4);
}

export function DatasetCard({ dataset, onDelete }: { dataset: DatasetInfo; onDelete: (() => void) | null }) {
  const [split, setSplit] = useState<DatasetSplit>('train');
  const [confirming, setConfirming] = useState(false);
  const splitTitle = SPLITS.find((s) => s.id === split)?.title ?? split;
  return (
    <article className="card dataset-card" data-testid={`dataset-${dataset.id}`} aria-label={dataset.name}>
      <header className="dataset-head">
        <h3>{dataset.name}</h3>
        <span className="muted">
          {dataset.classNames.length} classes · {formatBytes(dataset.bytes)} stored · checksum{' '}
          <code data-testid="dataset-checksum">{dataset.checksum}</code> ·{' '}
          {dataset.kind === 'synthetic' ? 'generated' : 'imported'}{' '}
          {new Date(dataset.createdAt).toLocaleString()}
        </span>
      </header>
      <p>
        {SPLITS.map((s, i) => (
          <span key={s.id}>
            {i > 0 ? ' · ' : null}
            {s.title}:{' '}
            <strong data-testid={`count-${s.id}`}>{formatCount(dataset.splits[s.id].count)}</strong> images
          </span>
        ))}
      </p>
      <p className="muted" data-testid="dataset-normalisation">
        Inputs normalised with mean ({dataset.normalisation.mean.map(fixed).join(', ')}), std (
        {dataset.normalisation.std.map(fixed).join(', ')}):{' '}
        {dataset.kind === 'idx' || dataset.kind === 'folder'
          ? 'measured on its training images at import'
          : "the reference's values"}
        .
      </p>
      {dataset.warnings.length > 0 ? (
        <ul className="muted">
          {dataset.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
      <div className="split-tabs" role="group" aria-label="Split shown">
        {SPLITS.map((s) => (
          <button
            key={s.id}
            type="button"
            aria-pressed={split === s.id}
            onClick={() => {
              setSplit(s.id);
            }}
          >
            {s.title}
          </button>
        ))}
      </div>
      <ClassHistogram
        classNames={dataset.classNames}
        counts={dataset.splits[split].classCounts}
        title={`${dataset.name} · ${splitTitle}: images per class`}
      />
      <SampleGrid id={dataset.id} split={split} classNames={dataset.classNames} checksum={dataset.checksum} />
      {onDelete ? (
        <div className="dataset-actions">
          {confirming ? (
            <>
              <span>Delete {dataset.name} from this browser?</span>{' '}
              <button type="button" onClick={onDelete}>
                Delete
              </button>{' '}
              <button
                type="button"
                onClick={() => {
                  setConfirming(false);
                }}
              >
                Keep
              </button>
            </>
          ) : (
            <button
              type="button"
              onClick={() => {
                setConfirming(true);
              }}
            >
              Delete {dataset.name}…
            </button>
          )}
        </div>
      ) : (
        <p className="muted">Built in: always available, even offline.</p>
      )}
    </article>
  );
}
