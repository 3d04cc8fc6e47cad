// The model library's commands: list, import, delete and export models. Plain data, shared by
// page and worker; weights never cross as numbers (files cross as Blobs, which the browser passes
// by reference), so a 60 MB simplex costs no structured-clone copy of its values.

import type { ModelSpec } from '../architecture';
import type { Curve } from '../settings';

export type ModelKind = 'base' | 'simplex' | 'complex' | 'ensemble' | 'curve' | 'imported';

/** What a vertex is for: a trained mode, a connector joining modes, or a simplex vertex. */
export type VertexRole = 'mode' | 'connector' | 'vertex';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Per-channel input normalisation applied after scaling pixels to [0,1]. */
export interface NormalisationData {
  mean: number[];
  std: number[];
}

export type ModelSource =
  | { kind: 'run'; runId: string; runName: string }
  /** `run` is the run named in the file's metadata, when it came from a studio. */
  | { kind: 'file'; fileName: string; run: string | null };

/** A library entry without its weights: what lists, pickers and manifests need. */
export interface ModelSummary {
  id: string;
  name: string;
  kind: ModelKind;
  spec: ModelSpec;
  vertexCount: number;
  /** Parameters of one vertex. */
  paramCount: number;
  /** Simplexes over vertex indices, e.g. [[0,3,4],[1,3,4],[2,3,4]]. */
  complex: number[][];
  /** Per vertex: trained in an earlier stage and held fixed. */
  frozen: boolean[];
  /** Per vertex. */
  roles: VertexRole[];
  /**
   * A curve between two modes (Garipov et al.): its vertices are the curve's points in order, the
   * ends first and last, and its points θ(t) for t in [0, 1]. Absent: a simplex or complex.
   */
  curve?: Curve;
  /** The dataset it was trained on or imported for; id null when only the name is known (files). */
  dataset: { id: string | null; name: string } | null;
  normalisation: NormalisationData | null;
  /** The run's settings object, as the training code stores it. */
  training: Json;
  /** Final metrics; null where a value was not finite. */
  metrics: Record<string, number | null> | null;
  source: ModelSource;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

/** The dataset an imported model will be used with; its class count must match the model's. */
export interface DatasetChoice {
  id: string;
  name: string;
  numClasses: number;
}

/** The two weights formats: safetensors, and PyTorch's own .pt (torch.load opens it). */
export type WeightsFormat = 'safetensors' | 'pt';

/** One file of a model's export. */
export type ExportPart =
  | { kind: 'vertex'; index: number; format?: WeightsFormat }
  | { kind: 'simplex'; format?: WeightsFormat }
  | { kind: 'manifest' };

export interface ModelCommands {
  /** Every model in the library, newest first, without weights. */
  listModels: { params: Record<string, never>; result: { models: ModelSummary[] }; progress: never };
  /**
   * Parse a state_dict of a studio network (safetensors or PyTorch's .pt) and add it to the
   * library. Refused with BAD_SAFETENSORS, BAD_PT or SHAPE_MISMATCH, library unchanged, if the file
   * is malformed, does not hold a studio architecture, or its class count differs from `usedWith`'s;
   * with BAD_ARGUMENT listing them if a .pt holds several state dicts and `key` picks none.
   * `complex`: a SimplexNet's simplexes where the file does not say them.
   */
  importModel: {
    params: {
      file: Blob;
      fileName: string;
      usedWith: DatasetChoice | null;
      key?: string;
      complex?: number[][];
    };
    /** `notes`: what reading did (a key taken, dtypes converted, a structure read from the name). */
    result: { model: ModelSummary; notes: string[] };
    progress: never;
  };
  deleteModel: { params: { id: string }; result: { deleted: boolean }; progress: never };
  /** One export file as a Blob with the name to save it under. */
  exportModel: {
    params: { id: string; part: ExportPart };
    result: { fileName: string; blob: Blob };
    progress: never;
  };
}
