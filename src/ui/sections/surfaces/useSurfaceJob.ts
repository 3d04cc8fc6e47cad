// Runs on the page: the Surfaces section's worker job: the chosen faces computed one after
// another, each streaming partial grids (coarse to fine); a new job cancels the one before.
// Progress carries the faces drawn so far, so a cancelled or failed job leaves them on screen.

import type {
  FaceIndices,
  SurfaceGrid,
  SurfaceProgress,
  SurfaceSettings,
} from '../../../protocol/commands/surfaces';
import { useEngine } from '../../engineContext';
import type { JobStatus } from '../../hooks/jobState';
import { useWorkerJob, type WorkerJob } from '../../hooks/useWorkerJob';

export interface SurfaceJobArgs {
  modelId: string;
  faces: FaceIndices[];
  settings: SurfaceSettings;
  /** Ignore the worker's cache of finished grids. */
  recompute: boolean;
}

export interface ShownFace {
  grid: SurfaceGrid;
  cached: boolean;
}

export interface SurfaceJobProgress {
  /** Index of the face being computed, of `faces`. */
  face: number;
  faces: number;
  /** The worker's latest report on that face; null until its first. */
  level: SurfaceProgress | null;
  /** Finished faces, then the partial grid of the one in progress. */
  shown: ShownFace[];
}

export type SurfaceJob = WorkerJob<SurfaceJobArgs, SurfaceJobProgress, ShownFace[]>;
export type SurfaceJobStatus = JobStatus<SurfaceJobProgress, ShownFace[]>;

export function useSurfaceJob(): SurfaceJob {
  const { client } = useEngine();
  return useWorkerJob(
    async ({ modelId, faces, settings, recompute }: SurfaceJobArgs, { signal, onProgress }) => {
      const done: ShownFace[] = [];
      for (const [face, indices] of faces.entries()) {
        onProgress({ face, faces: faces.length, level: null, shown: [...done] });
        const result = await client.call(
          'computeSurface',
          { modelId, face: indices, settings, recompute },
          {
            signal,
            onProgress: (level) => {
              onProgress({
                face,
                faces: faces.length,
                level,
                shown: [...done, { grid: level.grid, cached: false }],
              });
            },
          },
        );
        done.push({ grid: result.grid, cached: result.cached });
      }
      return done;
    },
  );
}

const NONE: ShownFace[] = [];

/** The faces to draw: the finished job's, or as far as a running, cancelled or failed one got. */
export function shownFaces(status: SurfaceJobStatus): ShownFace[] {
  switch (status.kind) {
    case 'idle':
      return NONE;
    case 'done':
      return status.result;
    case 'running':
    case 'cancelled':
    case 'failed':
      return status.progress?.shown ?? NONE;
  }
}

/** One line on where the job stands, or null when there is nothing to say. */
export function surfaceStatusLine(status: SurfaceJobStatus): string | null {
  if (status.kind === 'cancelled') return 'Cancelled.';
  if (status.kind !== 'running') return null;
  const p = status.progress;
  if (!p) return 'Starting…';
  const prefix = `Face ${p.face + 1} of ${p.faces}`;
  if (!p.level) return `${prefix}: starting…`;
  const { level, levels, grid } = p.level;
  return `${prefix}: level ${level + 1} of ${levels}, ${grid.done} of ${grid.u.length ** 2} points`;
}
