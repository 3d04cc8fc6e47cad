// Runs on the page. The UI's only way to compute: typed calls to the worker through the protocol.
// Every call gets a request id; its progress, result or error events are routed back to it.

import type { CommandName, Params, Progress, Result, WorkerEvent } from '../protocol/messages';
import { StudioError, type ErrorInfo } from '../protocol/errors';

interface Pending {
  resolve(result: unknown): void;
  reject(error: StudioError): void;
  onProgress?: (progress: unknown) => void;
}

export interface CallOptions<K extends CommandName> {
  onProgress?: (progress: Progress<K>) => void;
  /** Aborting sends `cancel` for this request; the call then rejects with CANCELLED. */
  signal?: AbortSignal;
}

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly deviceLostListeners = new Set<(error: ErrorInfo) => void>();

  constructor(private readonly worker: Worker) {
    worker.addEventListener('message', (event: MessageEvent<WorkerEvent>) => {
      this.receive(event.data);
    });
    worker.addEventListener('error', (event) => {
      this.failAll({
        code: 'INTERNAL',
        message: `The compute worker crashed: ${event.message}`,
        recoverable: false,
      });
    });
  }

  static start(): EngineClient {
    const worker = new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module' });
    return new EngineClient(worker);
  }

  call<K extends CommandName>(type: K, params: Params<K>, options: CallOptions<K> = {}): Promise<Result<K>> {
    const id = this.nextId++;
    return new Promise<Result<K>>((resolve, reject) => {
      this.pending.set(id, {
        resolve: resolve,
        reject,
        onProgress: options.onProgress as ((progress: unknown) => void) | undefined,
      });
      options.signal?.addEventListener('abort', () => {
        void this.call('cancel', { target: id });
      });
      this.worker.postMessage({ id, type, params });
    });
  }

  onDeviceLost(listener: (error: ErrorInfo) => void): () => void {
    this.deviceLostListeners.add(listener);
    return () => this.deviceLostListeners.delete(listener);
  }

  private receive(event: WorkerEvent): void {
    switch (event.type) {
      case 'progress':
        this.pending.get(event.id)?.onProgress?.(event.progress);
        return;
      case 'result':
        this.pending.get(event.id)?.resolve(event.result);
        this.pending.delete(event.id);
        return;
      case 'error':
        this.pending.get(event.id)?.reject(StudioError.fromInfo(event.error));
        this.pending.delete(event.id);
        return;
      case 'deviceLost':
        for (const listener of this.deviceLostListeners) listener(event.error);
        this.failAll(event.error);
        return;
      default: {
        const unknownEvent: never = event;
        throw new Error(`Unknown worker event ${JSON.stringify(unknownEvent)}`);
      }
    }
  }

  private failAll(error: ErrorInfo): void {
    for (const pending of this.pending.values()) pending.reject(StudioError.fromInfo(error));
    this.pending.clear();
  }
}
