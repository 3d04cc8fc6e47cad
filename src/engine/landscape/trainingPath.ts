// Pure engine: a run's training path, the weights it kept after each epoch (the `keepPath`
// setting) for the Surfaces section's path plane. A point is the centre (mean of the vertices) of
// the component that epoch trained, so a base run's path is its model's weights; with its running
// statistics, so the last point can be the plane's origin.

import type { RunningStatistics, TfLayout, TfVertex } from '../formats/layout';
import type { ComponentState } from '../train/trainer';

export interface PathPoint {
  /** Epochs trained so far over the whole run (1 after the first). */
  epoch: number;
  weights: TfVertex;
  statistics: RunningStatistics;
}

export function pathPoint(component: ComponentState, epoch: number): PathPoint {
  const k = component.vertices.length;
  const first = component.vertices[0] as TfVertex;
  const weights = first.map((_, i) => {
    const mean = new Float32Array((first[i] as TfLayout).length);
    for (const vertex of component.vertices) {
      const x = vertex[i] as TfLayout;
      for (let e = 0; e < mean.length; e++) mean[e] = (mean[e] as number) + (x[e] as number) / k;
    }
    return mean as TfLayout;
  });
  return { epoch, weights, statistics: component.statistics ?? [] };
}

/** A path point's file name: `epoch-<n>.safetensors`, n as trained so far over the whole run. */
export function pathFileName(epoch: number): string {
  return `epoch-${epoch}.safetensors`;
}

/** The epoch a path file's name says, or null. */
export function pathFileEpoch(name: string): number | null {
  const m = /^epoch-(\d+)\.(safetensors|pt)$/.exec(name);
  return m ? Number(m[1]) : null;
}
