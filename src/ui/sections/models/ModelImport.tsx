// Runs on the page: import weight files (safetensors or PyTorch .pt) into the library, by file
// picker or drag-and-drop. The page never reads the bytes: the File goes to the worker, which
// parses and checks it. A .pt file may need a word more: which of its state dicts (a checkpoint
// dict holding several), and a SimplexNet's complex where neither the file nor its name says it.

import { useEffect, useRef, useState, type DragEvent } from 'react';
import type { DatasetChoice } from '../../../protocol/commands/models';
import { StudioError } from '../../../protocol/errors';
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
  const [key, setKey] = useState('');
  const [structure, setStructure] = useState('');

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
    const imported: string[] = [];
    try {
      const complex = parseStructure(structure);
      // One at a time: each is checked and committed on its own, so a bad file stops only itself
      // and the ones after it, and everything before it is in the library.
      for (const file of files) {
        setBusy(file.name);
        const { model, notes } = await client.call('importModel', {
          file,
          fileName: file.name,
          usedWith: choice,
          ...(key.trim() ? { key: key.trim() } : {}),
          ...(complex ? { complex } : {}),
        });
        imported.push(
          `Imported ${model.name}: ${shapeLine(model)}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}.`,
        );
      }
    } catch (err) {
      setError(toErrorInfo(err));
    } finally {
      setBusy(null);
      setDone(imported);
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
        A state_dict of the reference code's networks (VGG, VGG-BN, <code>PreResNetBase</code>: a mode trained
        elsewhere), a <code>SimplexNet</code> state_dict, or a file exported from this studio, as{' '}
        <code>.safetensors</code> or PyTorch&apos;s own <code>.pt</code> (read without running any of its
        pickle code). Pick files or drop them here; architecture, width and class count are read from the
        tensor names and shapes.
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
        accept=".safetensors,.pt,.pth,.bin"
        multiple
        aria-label="Import model file"
        disabled={busy !== null}
        onChange={(e) => {
          void importFiles(Array.from(e.target.files ?? []));
        }}
      />
      <details>
        <summary>A .pt file that needs a word more</summary>
        <label>
          State dict key{' '}
          <input
            type="text"
            value={key}
            placeholder="model_state"
            aria-label="State dict key"
            onChange={(e) => {
              setKey(e.target.value);
            }}
          />
        </label>{' '}
        <span className="muted">where the file holds several state dicts (it lists them).</span>
        <br />
        <label>
          Complex{' '}
          <input
            type="text"
            value={structure}
            placeholder="[[0,2],[1,2]]"
            aria-label="Complex"
            onChange={(e) => {
              setStructure(e.target.value);
            }}
          />
        </label>{' '}
        <span className="muted">
          a SimplexNet&apos;s simplexes as vertex lists, where neither its metadata nor its name (
          <code>2mode_1connector_…</code>) says them; otherwise it is one simplex of all its vertices.
        </span>
      </details>
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

/** The Complex field as simplexes, null when empty; BAD_ARGUMENT when it is not a list of vertex lists. */
function parseStructure(text: string): number[][] | null {
  if (text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = null;
  }
  if (!Array.isArray(value) || !value.every((s) => Array.isArray(s) && s.every((v) => Number.isInteger(v)))) {
    throw new StudioError(
      'BAD_ARGUMENT',
      `The complex must be a list of vertex lists such as [[0,2],[1,2]], not ${text}.`,
    );
  }
  return value as number[][];
}
