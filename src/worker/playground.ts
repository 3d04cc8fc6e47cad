// The Playground's own worker: trains the page's experiment in slices of about 150 ms and posts a
// frame after each, so the page redraws several times a second and Pause or a new view lands
// between slices; the last frame (and one on Pause) carries the full ensemble and the faces. Separate from the studio's worker: no backend, no storage, nothing to wait for.

import { PlaygroundSession } from '../engine/playground/session';
import type { PlaygroundReply, PlaygroundRequest } from '../protocol/playground';

const SLICE_MS = 150;

let session: PlaygroundSession | null = null;
let playing = false;
/** Time spent training and drawing since Play (paused time excluded). */
let elapsed = 0;

function post(reply: PlaygroundReply, transfer: Transferable[] = []): void {
  (self as unknown as Worker).postMessage(reply, transfer);
}

/** Posts a frame; `started` (a slice's start while playing) adds the slice and its drawing to the time. */
function send(full: boolean, started: number | null): void {
  if (!session) return;
  const frame = session.frame(full, elapsed);
  if (started !== null) elapsed += performance.now() - started;
  frame.elapsedMs = elapsed;
  post({ type: 'frame', frame, data: session.points() });
}

function loop(): void {
  if (!session || !playing) return;
  const started = performance.now();
  session.run(SLICE_MS);
  if (session.simplex.done) playing = false;
  send(!playing, started);
  if (playing) setTimeout(loop, 0);
}

self.onmessage = (event: MessageEvent<PlaygroundRequest>) => {
  const request = event.data;
  try {
    switch (request.type) {
      case 'reset':
        playing = false;
        elapsed = 0;
        session = new PlaygroundSession(request.config);
        send(true, null);
        break;
      case 'play':
        if (session && !playing && !session.simplex.done) {
          playing = true;
          setTimeout(loop, 0);
        }
        break;
      case 'pause':
        if (playing) {
          playing = false;
          send(true, null);
        }
        break;
      case 'step':
        if (session && !playing) {
          session.iterate();
          send(true, null);
        }
        break;
      case 'view':
        if (session) {
          session.view = request.view;
          send(!playing, null);
        }
        break;
      case 'export':
        if (session) {
          const bytes = session.exportFile();
          post(
            { type: 'export', bytes, name: `basic-simplex-${session.simplex.vertices.length}v.safetensors` },
            [bytes.buffer],
          );
        }
        break;
    }
  } catch (err) {
    playing = false;
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
