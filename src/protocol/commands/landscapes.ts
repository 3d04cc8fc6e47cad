// Landscape commands: the loss-landscape pictures beside the face surfaces (protocol/landscape.ts
// describes them). Plain data shared by page and worker; grids cross as number[], NaN where a
// point is not computed yet.

import type { Architecture, WidthScale } from '../architecture';
import type { Landscape, LandscapeSettings } from '../landscape';

/** A stored model's vertex: a landscape's end or origin. */
export interface VertexRef {
  modelId: string;
  vertex: number;
}

/** A run that kept its training path. */
export interface PathSummary {
  runId: string;
  name: string;
  epochs: number[];
  architecture: Architecture;
  widthScale: WidthScale;
  datasetId: string;
}

export interface LandscapeCommands {
  /** Runs that kept the weights of their epochs (the keepPath setting), with the epochs kept. */
  listPaths: { params: Record<string, never>; result: { paths: PathSummary[] }; progress: never };
  /**
   * A landscape: between `models[0]` and `models[1]` (interpolation), around `models[0]` (random
   * directions), or on the plane of run `runId`'s path (its last epoch the origin). Streams the
   * grid as it fills; cancellable. The worker keeps it for clicked points until the next one.
   */
  computeLandscape: {
    params: { models: VertexRef[]; runId?: string; settings: LandscapeSettings };
    result: { landscape: Landscape };
    progress: { landscape: Landscape };
  };
  /** Loss and error at (x, y) of the last landscape computed, on its first split's images. */
  evaluateLandscapePoint: {
    params: { id: string; x: number; y: number };
    result: { loss: number; error: number; accuracy: number; split: string; imagesUsed: number };
    progress: never;
  };
  /** The landscape as loss-landscape's .h5 surface file. */
  landscapeHdf5: { params: { landscape: Landscape }; result: { blob: Blob }; progress: never };
}
