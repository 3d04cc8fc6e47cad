// Runs on the page: how much of the browser's storage the studio uses, and whether the browser
// has promised to keep it. Persistence is asked for once per browser profile (the answer is
// remembered by the browser; asking again changes nothing), then only read.

import { useEffect, useState } from 'react';
import { formatBytes } from './format';

const ASKED_KEY = 'simplex-studio:persist-asked';

interface StorageState {
  usage: number | null;
  quota: number | null;
  persisted: boolean | null;
}

/** `refreshKey` changes whenever stored data did (an import, a delete). */
export function StoragePanel({ refreshKey }: { refreshKey: unknown }) {
  const [state, setState] = useState<StorageState | null>(null);
  const [unsupported, setUnsupported] = useState(false);

  useEffect(() => {
    let live = true;
    readStorage().then(
      (s) => {
        if (live) setState(s);
      },
      () => {
        if (live) setUnsupported(true);
      },
    );
    return () => {
      live = false;
    };
  }, [refreshKey]);

  if (unsupported) {
    return <p className="muted">This browser does not report storage use (navigator.storage is missing).</p>;
  }
  if (!state) return <p className="muted">Reading storage use…</p>;
  return (
    <p data-testid="storage-info">
      Storage:{' '}
      <span data-testid="storage-used">{state.usage === null ? 'unknown' : formatBytes(state.usage)}</span>{' '}
      used of{' '}
      <span data-testid="storage-quota">{state.quota === null ? 'unknown' : formatBytes(state.quota)}</span>{' '}
      available to this site ·{' '}
      <span data-testid="storage-persisted">
        {state.persisted === null
          ? 'persistence unknown'
          : state.persisted
            ? 'persistent: the browser will not clear it on its own'
            : 'not persistent: the browser may clear it when the disk runs low'}
      </span>
    </p>
  );
}

async function readStorage(): Promise<StorageState> {
  const storage = navigator.storage;
  let persisted = await storage.persisted().catch(() => null);
  if (persisted === false && localStorage.getItem(ASKED_KEY) === null) {
    localStorage.setItem(ASKED_KEY, new Date().toISOString());
    persisted = await storage.persist().catch(() => false);
  }
  const estimate = await storage.estimate();
  return { usage: estimate.usage ?? null, quota: estimate.quota ?? null, persisted };
}
