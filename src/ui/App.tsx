// Runs on the page: the shell. Starts the worker once, shows the sections and the status bar.
// The UI never computes: it sends commands to the worker and draws what comes back.

import { useEffect, useState } from 'react';
import type { BackendInfo } from '../protocol/backend';
import { isBackendName, isConvGradientsName, isStepName } from '../protocol/backend';
import type { ErrorInfo } from '../protocol/errors';
import { toErrorInfo } from '../protocol/errors';
import { EngineClient } from './engineClient';
import { EngineContext } from './engineContext';
import { SECTIONS, isSectionId, type SectionId } from './sections';
import { StatusBar } from './StatusBar';
import { SectionView } from './sections/SectionView';
import { exposeDebugHandle } from './debugHandle';
import { rememberChoice, rememberedChoice } from './backendChoice';

const client = EngineClient.start();
exposeDebugHandle(client);

function sectionFromHash(): SectionId {
  // A section's own state may follow a '?' (the Playground's experiment).
  const id = window.location.hash.slice(1).split('?')[0] ?? '';
  return isSectionId(id) ? id : 'data';
}

export function App() {
  const [backend, setBackend] = useState<BackendInfo | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [section, setSection] = useState<SectionId>(sectionFromHash);

  useEffect(() => {
    const query = new URLSearchParams(window.location.search);
    const forced = query.get('backend');
    const conv = query.get('conv');
    const step = query.get('step');
    const unsubscribe = client.onDeviceLost(setError);
    client
      .call('init', {
        backend: isBackendName(forced) ? forced : null,
        convGradients: isConvGradientsName(conv) ? conv : null,
        step: isStepName(step) ? step : null,
        remembered: rememberedChoice(),
      })
      .then(
        (info) => {
          if (info.choice && !info.choice.remembered) rememberChoice(info.choice);
          setBackend(info);
        },
        (err: unknown) => {
          setError(toErrorInfo(err));
        },
      );
    const onHash = () => {
      setSection(sectionFromHash());
    };
    window.addEventListener('hashchange', onHash);
    return () => {
      unsubscribe();
      window.removeEventListener('hashchange', onHash);
    };
  }, []);

  return (
    <EngineContext.Provider value={{ client, backend }}>
      <div className="app">
        <header className="top">
          <h1>Simplex Studio</h1>
          <nav aria-label="Sections">
            {SECTIONS.map((s) => (
              <a key={s.id} href={`#${s.id}`} aria-current={s.id === section ? 'page' : undefined}>
                {s.title}
              </a>
            ))}
          </nav>
        </header>
        <main>
          <SectionView section={section} />
        </main>
        <StatusBar backend={backend} error={error} />
      </div>
    </EngineContext.Provider>
  );
}
