// Runs on the page: getting CIFAR, MNIST-family or image-folder files into the studio — file and
// folder pickers, drag-and-drop (folders too), or download through the local server — with a
// progress bar, a cancel button and the importer's errors. The files go to the worker as they are
// (File is structured-clonable), a folder's with each file's path in it; nothing is read here. The
// worker tells the formats apart by file name.

import { useState, type DragEvent } from 'react';
import {
  CIFAR_DOWNLOADS,
  MAX_DATASET_NAME,
  type DatasetInfo,
  type DatasetProgress,
  type DownloadableKind,
} from '../../../protocol/commands/data';
import { toErrorInfo, type ErrorInfo } from '../../../protocol/errors';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useEngine } from '../../engineContext';
import { formatBytes, formatCount } from './format';

interface Job {
  label: string;
  progress: DatasetProgress | null;
  controller: AbortController;
}

type Outcome = { kind: 'error'; error: ErrorInfo } | { kind: 'note'; message: string } | null;

export function ImportPanel({ onImported }: { onImported: (dataset: DatasetInfo) => void }) {
  const { client } = useEngine();
  const [job, setJob] = useState<Job | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [dragging, setDragging] = useState(false);
  /** The name an MNIST-family import is stored under; empty: the importer's suggestion. */
  const [name, setName] = useState('');

  const run = (
    label: string,
    start: (options: {
      signal: AbortSignal;
      onProgress: (p: DatasetProgress) => void;
    }) => Promise<DatasetInfo>,
  ) => {
    if (job) return;
    const controller = new AbortController();
    setOutcome(null);
    setJob({ label, progress: null, controller });
    start({
      signal: controller.signal,
      onProgress: (progress) => {
        setJob((j) => (j && j.controller === controller ? { ...j, progress } : j));
      },
    }).then(
      (dataset) => {
        setJob(null);
        setOutcome({
          kind: 'note',
          message: `Imported ${dataset.name}: ${formatCount(dataset.splits.train.count)} training and ${formatCount(dataset.splits.test.count)} test images.`,
        });
        onImported(dataset);
      },
      (err: unknown) => {
        setJob(null);
        const info = toErrorInfo(err);
        setOutcome(
          info.code === 'CANCELLED'
            ? { kind: 'note', message: `${label} cancelled. The stored datasets are unchanged.` }
            : { kind: 'error', error: info },
        );
      },
    );
  };

  /** `paths`: a folder's files, each from the folder's own name (`shapes/train/circle/c1.png`). */
  const importFiles = (files: File[], paths?: string[]) => {
    if (files.length === 0) return;
    const first = paths?.[0];
    const label =
      first !== undefined
        ? `${first.split('/')[0] ?? ''}/ (${formatCount(files.length)} files)`
        : files.map((f) => f.name).join(', ');
    const named = name.trim() === '' ? {} : { name: name.trim() };
    run(`Importing ${label}`, (options) =>
      client.call('importDataset', { files, ...(paths ? { paths } : {}), ...named }, options),
    );
  };

  const download = (kind: DownloadableKind) => {
    run(`Downloading ${CIFAR_DOWNLOADS[kind].title}`, (options) =>
      client.call('downloadDataset', { kind }, options),
    );
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const entries = Array.from(event.dataTransfer.items, (item) => item.webkitGetAsEntry());
    if (entries.some((entry) => entry?.isDirectory)) {
      droppedFolder(entries).then(
        ({ files, paths }) => {
          importFiles(files, paths);
        },
        (err: unknown) => {
          const info = toErrorInfo(err);
          setOutcome({
            kind: 'error',
            error: { ...info, message: `The dropped folder could not be read: ${info.message}` },
          });
        },
      );
    } else importFiles(Array.from(event.dataTransfer.files));
  };

  return (
    <div className="card import-panel">
      <h3>Add data</h3>
      <div
        className={`drop-zone${dragging ? ' dragging' : ''}`}
        data-testid="drop-zone"
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => {
          setDragging(false);
        }}
        onDrop={onDrop}
      >
        <p>
          Drop <code>cifar-10-binary.tar.gz</code> or <code>cifar-100-binary.tar.gz</code> here (or a{' '}
          <code>.tar</code>, or the <code>.bin</code> files inside), or the four MNIST-family files together (
          <code>train-images-idx3-ubyte</code>, <code>train-labels-idx1-ubyte</code>,{' '}
          <code>t10k-images-idx3-ubyte</code>, <code>t10k-labels-idx1-ubyte</code>, <code>.gz</code> or not),
          or a folder of images in class folders (<code>&lt;class&gt;/&lt;image&gt;</code>, or{' '}
          <code>train/</code> and <code>test/</code> holding them; or a <code>.zip</code> of it), or{' '}
          <label className="file-label">
            choose files
            <input
              type="file"
              multiple
              disabled={job !== null}
              aria-label="Choose dataset files"
              data-testid="dataset-file-input"
              onChange={(event) => {
                const files = Array.from(event.currentTarget.files ?? []);
                // Cleared so picking the same file again fires another change.
                event.currentTarget.value = '';
                importFiles(files);
              }}
            />
          </label>{' '}
          or{' '}
          <label className="file-label">
            choose a folder
            <input
              type="file"
              ref={(input) => {
                if (input) input.webkitdirectory = true;
              }}
              disabled={job !== null}
              aria-label="Choose an image folder"
              data-testid="dataset-folder-input"
              onChange={(event) => {
                const files = Array.from(event.currentTarget.files ?? []);
                event.currentTarget.value = '';
                importFiles(
                  files,
                  files.map((f) => f.webkitRelativePath || f.name),
                );
              }}
            />
          </label>
        </p>
        <p>
          <label>
            Name for MNIST-family files or an image folder{' '}
            <input
              type="text"
              value={name}
              maxLength={MAX_DATASET_NAME}
              placeholder="Fashion-MNIST, MNIST-family (IDX), or the folder's name"
              disabled={job !== null}
              data-testid="dataset-name"
              onChange={(event) => {
                setName(event.currentTarget.value);
              }}
            />
          </label>{' '}
          <span className="muted">
            (each name is its own dataset; importing under a stored name replaces it)
          </span>
        </p>
        <p>
          {(Object.keys(CIFAR_DOWNLOADS) as DownloadableKind[]).map((kind) => (
            <button
              key={kind}
              type="button"
              disabled={job !== null}
              onClick={() => {
                download(kind);
              }}
            >
              Download {CIFAR_DOWNLOADS[kind].title}
            </button>
          ))}{' '}
          <span className="muted">(the binary version, through this studio&apos;s server)</span>
        </p>
      </div>
      {job ? <JobProgress job={job} /> : null}
      {outcome?.kind === 'error' ? <ErrorNotice error={outcome.error} testId="import-error" /> : null}
      {outcome?.kind === 'note' ? (
        <p role="status" className="muted" data-testid="import-note">
          {outcome.message}
        </p>
      ) : null}
    </div>
  );
}

function JobProgress({ job }: { job: Job }) {
  const p = job.progress;
  let value: number | undefined;
  let max: number | undefined;
  let detail = 'starting…';
  if (p?.stage === 'reading') {
    if (p.totalBytes !== null) {
      value = p.bytes;
      max = p.totalBytes;
    }
    detail = `${formatBytes(p.bytes)}${p.totalBytes !== null ? ` of ${formatBytes(p.totalBytes)}` : ''} read · ${formatCount(p.records)} images stored`;
  } else if (p?.stage === 'decoding') {
    value = p.images;
    max = p.totalImages;
    detail = `${formatCount(p.images)} of ${formatCount(p.totalImages)} images decoded · ${formatCount(p.records)} stored`;
  } else if (p?.stage === 'committing') {
    detail = `${formatCount(p.records)} images stored; committing…`;
  }
  return (
    <div className="job-progress" data-testid="import-progress">
      <span>{job.label}</span> <progress value={value} max={max} aria-label={job.label} />{' '}
      <span className="muted">{detail}</span>{' '}
      <button
        type="button"
        onClick={() => {
          job.controller.abort();
        }}
      >
        Cancel
      </button>
    </div>
  );
}

/** Every file under the dropped entries, with its path from the dropped folder's name. */
async function droppedFolder(
  entries: readonly (FileSystemEntry | null)[],
): Promise<{ files: File[]; paths: string[] }> {
  const files: File[] = [];
  const paths: string[] = [];
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => {
        (entry as FileSystemFileEntry).file(resolve, reject);
      });
      files.push(file);
      paths.push(entry.fullPath.replace(/^\//, ''));
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries returns a batch at a time (100 in Chromium) until it returns none.
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => {
          reader.readEntries(resolve, reject);
        });
        if (batch.length === 0) break;
        for (const child of batch) await walk(child);
      }
    }
  };
  for (const entry of entries) if (entry) await walk(entry);
  return { files, paths };
}
