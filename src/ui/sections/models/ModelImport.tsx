// Runs on the page: import weight files into the library, by file picker or drag-and-drop. The
// page never reads the bytes: the File goes to the worker, which parses and checks it.

import { useEffect, useRef, useState, type DragEvent } from 'react';
import type { DatasetChoice, ModelSummary } from '../../../protocol/commands/models';
import { toErrorInfo, type ErrorInfo } from '../../../protocol/errors';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useEngine } from '../../engineContext';
import { shapeLine } from './describe';

export function ModelImport({ onImported }: { onImported: () => void }) {
  const { client } = useEngine();
  const input = useRef<HTMLInputElement>(null);
  const [datasets, setDatasets] = useState<DatasetChoice[]>([]);
  const [datasetNote, setDatasetNote] = useState<string | null>(null);
  const [usedWith, setUsedWith] = useState<string>('');
  const [busy, setBusy] = useState<string | null>(null);
  const [done, setDone] = useState<string[]>([]);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [dragging, setDragging] = useState(false);

  useEffect(() => {
    let live = true;
    client.call('listDatasets', {}).then(
      (list) => {
        if (live) setDatasets(list.map((d) => ({ id: d.id, name: d.name, numClasses: d.classNames.length })));
      },
      (err: unknown) => {
        if (live) setDatasetNote(`Stored datasets could not be listed: ${toErrorInfo(err).message}`);
      },
    );
    return () => {
      live = false;
    };
  }, [client]);

  const importFiles = async (files: readonly File[]) => {
    const choice = datasets.find((d) => d.id === usedWith) ?? null;
    setError(null);
    setDone([]);
    const imported: ModelSummary[] = [];
    try {
      // One at a time: each is checked and committed on its own, so a bad file stops only itself
      // and the ones after it, and everything before it is in the library.
      for (const file of files) {
        setBusy(file.name);
        const { model } = await client.call('importModel', { file, fileName: file.name, usedWith: choice });
        imported.push(model);
      }
    } catch (err) {
      setError(toErrorInfo(err));
    } finally {
      setBusy(null);
      setDone(imported.map((m) => `Imported ${m.name}: ${shapeLine(m)}.`));
      if (input.current) input.current.value = '';
      if (imported.length > 0) onImported();
    }
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    void importFiles(Array.from(event.dataTransfer.files));
  };

  return (
    <div
      className="card"
      onDragOver={(event) => {
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => {
        setDragging(false);
      }}
      onDrop={onDrop}
      style={dragging ? { outline: '2px dashed var(--accent)' } : undefined}
      data-testid="model-drop-zone"
    >
      <h3 style={{ marginTop: 0 }}>Import weights</h3>
      <p className="muted">
        A PyTorch <code>VGG16</code> state_dict (a mode trained elsewhere), a <code>SimplexNet</code>{' '}
        state_dict, or a file exported from this studio, as <code>.safetensors</code>. Pick a file or drop it
        here; width and class count are read from the tensor shapes.
      </p>
      <label>
        Use with dataset{' '}
        <select
          value={usedWith}
          onChange={(e) => {
            setUsedWith(e.target.value);
          }}
          disabled={busy !== null}
        >
          <option value="">any (do not check the class count)</option>
          {datasets.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name} — {d.numClasses} classes
            </option>
          ))}
        </select>
      </label>{' '}
      <input
        ref={input}
        type="file"
        accept=".safetensors"
        multiple
        aria-label="Import model file"
        disabled={busy !== null}
        onChange={(e) => {
          void importFiles(Array.from(e.target.files ?? []));
        }}
      />
      {datasetNote ? <p className="muted">{datasetNote}</p> : null}
      <div aria-live="polite" data-testid="model-import-status">
        {busy ? <p>Importing {busy}…</p> : null}
        {done.map((line) => (
          <p key={line}>{line}</p>
        ))}
      </div>
      {error ? <ErrorNotice error={error} testId="model-import-error" /> : null}
    </div>
  );
}
