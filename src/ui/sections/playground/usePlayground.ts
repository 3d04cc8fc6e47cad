// Runs on the page: the Playground's worker and the frames it sends. The experiment lives in the
// URL (#playground?…): a change to it is written there, and opening such a link rebuilds the same
// data, model and seeds.

import { useEffect, useRef, useState } from 'react';
import {
  parsePlaygroundQuery,
  playgroundQuery,
  type PlaygroundConfig,
  type PlaygroundFrame,
  type PlaygroundPoints,
  type PlaygroundReply,
  type PlaygroundRequest,
  type PlaygroundView,
} from '../../../protocol/playground';
import { saveParts } from '../../download';

/** The experiment in the page's hash, after `#playground?`. */
export function configFromHash(): { config: PlaygroundConfig; ignored: string[] } {
  const hash = window.location.hash;
  const q = hash.indexOf('?');
  return parsePlaygroundQuery(q >= 0 ? hash.slice(q + 1) : '');
}

function writeHash(config: PlaygroundConfig): void {
  const query = playgroundQuery(config);
  window.history.replaceState(null, '', `#playground${query ? `?${query}` : ''}`);
}

export interface Playground {
  config: PlaygroundConfig;
  ignored: string[];
  frame: PlaygroundFrame | null;
  points: PlaygroundPoints | null;
  playing: boolean;
  error: string | null;
  reset: (config: PlaygroundConfig) => void;
  play: () => void;
  pause: () => void;
  step: () => void;
  setView: (view: PlaygroundView) => void;
  exportFile: () => void;
}

export function usePlayground(): Playground {
  const [initial] = useState(configFromHash);
  const [config, setConfig] = useState(initial.config);
  const [frame, setFrame] = useState<PlaygroundFrame | null>(null);
  const [points, setPoints] = useState<PlaygroundPoints | null>(null);
  const [playing, setPlaying] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const worker = useRef<Worker | null>(null);

  const send = (request: PlaygroundRequest) => worker.current?.postMessage(request);

  useEffect(() => {
    const w = new Worker(new URL('../../../worker/playground.ts', import.meta.url), { type: 'module' });
    worker.current = w;
    w.onmessage = (event: MessageEvent<PlaygroundReply>) => {
      const reply = event.data;
      if (reply.type === 'frame') {
        setFrame(reply.frame);
        setPoints(reply.data);
        if (reply.frame.done) setPlaying(false);
      } else if (reply.type === 'export') {
        saveParts([reply.bytes], reply.name);
      } else {
        setPlaying(false);
        setError(reply.message);
      }
    };
    w.onerror = (event) => {
      setPlaying(false);
      setError(`The playground's worker failed: ${event.message}`);
    };
    w.postMessage({ type: 'reset', config: initial.config } satisfies PlaygroundRequest);
    return () => {
      w.terminate();
      worker.current = null;
    };
  }, [initial]);

  return {
    config,
    ignored: initial.ignored,
    frame,
    points,
    playing,
    error,
    reset: (next) => {
      setConfig(next);
      setError(null);
      setPlaying(false);
      writeHash(next);
      send({ type: 'reset', config: next });
    },
    play: () => {
      setPlaying(true);
      send({ type: 'play' });
    },
    pause: () => {
      setPlaying(false);
      send({ type: 'pause' });
    },
    step: () => {
      send({ type: 'step' });
    },
    setView: (view) => {
      send({ type: 'view', view });
    },
    exportFile: () => {
      send({ type: 'export' });
    },
  };
}
