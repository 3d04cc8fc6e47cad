// Layouts are types. tfjs keeps conv kernels HWIO and dense kernels [in,out]; PyTorch keeps OIHW and
// [out,in]. The brands make a missing transpose a compile error: only the converters in
// stateDict.ts turn one into the other.

declare const layoutBrand: unique symbol;

/** A parameter's values in tfjs layout (conv [3,3,in,out], linear [in,out], bias [out]). */
export type TfLayout = Float32Array & { readonly [layoutBrand]: 'tf' };
/** A parameter's values in PyTorch layout (conv [out,in,3,3], linear [out,in], bias [out]). */
export type TorchLayout = Float32Array & { readonly [layoutBrand]: 'torch' };

/** One vertex: every parameter in tfjs layout, in paramSpecs() order. */
export type TfVertex = readonly TfLayout[];

/**
 * One batch-norm layer's running statistics, shared by every vertex of a model (the reference's
 * SimplexBN keeps one set per layer): PyTorch's running_mean, running_var and num_batches_tracked.
 */
export interface RunningStatistic {
  mean: Float32Array;
  variance: Float32Array;
  /** Training passes folded in so far. */
  batches: number;
}

/** Every batch-norm layer's running statistics, in network().batchNorms order; [] without batch norm. */
export type RunningStatistics = readonly RunningStatistic[];
