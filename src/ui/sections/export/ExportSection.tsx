// Runs on the page: the Export section: every model in the library with its downloads, and how
// the files load in PyTorch.

import { ModelTable } from '../models/ModelTable';
import { useModelLibrary } from '../models/useModelLibrary';
import { ErrorNotice } from '../../components/ErrorNotice';

export function ExportSection() {
  const library = useModelLibrary();
  return (
    <div className="card">
      <p className="muted">
        A vertex downloads as a PyTorch <code>VGG16</code> state_dict, the whole simplex or complex as a{' '}
        <code>SimplexNet</code> state_dict (conv weights <code>[out,in,3,3]</code>, linear{' '}
        <code>[out,in]</code>, F32). Load them with <code>safetensors.torch.load_file</code> and{' '}
        <code>load_state_dict</code>; the manifest lists the files with the settings, metrics and metadata of
        the model.
      </p>
      {library.error ? <ErrorNotice error={library.error} /> : null}
      {library.models === null ? (
        <p className="muted">Loading…</p>
      ) : library.models.length === 0 ? (
        <p className="muted">Nothing to export yet: train or import a model first.</p>
      ) : (
        <ModelTable models={library.models} />
      )}
    </div>
  );
}
