// HDF5 files through h5wasm (the HDF5 C library compiled to WebAssembly, maintained by NIST), so
// the studio's surfaces open in the tools that read loss-landscape's `.h5` files (its plot_2D.py,
// plot_1D.py and h52vtp.py for ParaView, or h5py). The library is 4 MB, loaded on the first
// export only. Runs in the worker and in Node alike: the file is built in h5wasm's in-memory file
// system and its bytes read back.

export interface Hdf5Dataset {
  name: string;
  /** Row-major values of `shape` (one axis for a vector). */
  data: Float64Array;
  shape: readonly number[];
}

let files = 0;

/** An HDF5 file of float64 datasets at its root, with string attributes on the root group. */
export async function hdf5File(
  datasets: readonly Hdf5Dataset[],
  attributes: Readonly<Record<string, string>> = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const h5wasm = (await import('h5wasm')).default;
  const { FS } = await h5wasm.ready;
  const name = `/studio-${++files}.h5`;
  const file = new h5wasm.File(name, 'w');
  try {
    for (const d of datasets) {
      const count = d.shape.reduce((a, b) => a * b, 1);
      if (count !== d.data.length) {
        throw new Error(`${d.name}: ${d.data.length} values for shape [${d.shape.join(', ')}]`);
      }
      file.create_dataset({ name: d.name, data: d.data, shape: [...d.shape], dtype: '<d' });
    }
    for (const [key, value] of Object.entries(attributes)) file.create_attribute(key, value);
  } finally {
    file.close();
  }
  try {
    const bytes = FS.readFile(name);
    return new Uint8Array(bytes);
  } finally {
    FS.unlink(name);
  }
}
