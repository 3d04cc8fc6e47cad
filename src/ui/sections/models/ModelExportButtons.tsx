// Runs on the page: download buttons for one model, in either weights format (safetensors, or
// PyTorch's .pt that plain torch.load opens). The worker builds each file as a Blob; the page only
// hands it to the browser's download.

import { useState } from 'react';
import type { ExportPart, ModelSummary, WeightsFormat } from '../../../protocol/commands/models';
import { toErrorInfo, type ErrorInfo } from '../../../protocol/errors';
import { useEngine } from '../../engineContext';
import { saveBlob } from '../../download';
import { ErrorNotice } from '../../components/ErrorNotice';

export function ModelExportButtons({ model }: { model: ModelSummary }) {
  const { client } = useEngine();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [format, setFormat] = useState<WeightsFormat>('safetensors');
  const extension = format === 'pt' ? '.pt' : '.safetensors';

  const download = async (part: ExportPart, label: string) => {
    setBusy(label);
    setError(null);
    try {
      const { blob, fileName } = await client.call('exportModel', { id: model.id, part });
      saveBlob(blob, fileName);
    } catch (err) {
      setError(toErrorInfo(err));
    } finally {
      setBusy(null);
    }
  };

  const whole = model.complex.length === 1 ? 'simplex' : 'complex';
  const buttons: { part: ExportPart; label: string; title: string }[] = [
    ...model.roles.map((role, i) => ({
      part: { kind: 'vertex', index: i, format } as const,
      label: `Vertex ${i}`,
      title: `Vertex ${i} (${role}) as the base network's PyTorch state_dict (${extension})`,
    })),
    {
      part: { kind: 'simplex', format },
      // A one-vertex SimplexNet is where the reference's SPRO starts, so it is offered too.
      label: model.vertexCount === 1 ? 'As SimplexNet' : `Whole ${whole}`,
      title: `All ${model.vertexCount} vertices as a PyTorch SimplexNet state_dict (${extension})`,
    },
    {
      part: { kind: 'manifest' },
      label: 'Manifest',
      title: 'Settings, metrics, metadata and file names (JSON)',
    },
  ];

  return (
    <div className="export-buttons" role="group" aria-label={`Export ${model.name}`}>
      <select
        aria-label="Weights format"
        value={format}
        disabled={busy !== null}
        onChange={(e) => {
          setFormat(e.target.value === 'pt' ? 'pt' : 'safetensors');
        }}
        style={{ marginRight: '0.3rem' }}
      >
        <option value="safetensors">.safetensors</option>
        <option value="pt">.pt (torch.load)</option>
      </select>
      {buttons.map(({ part, label, title }) => (
        <button
          key={label}
          type="button"
          title={title}
          disabled={busy !== null}
          onClick={() => void download(part, label)}
          style={{ marginRight: '0.3rem' }}
        >
          {busy === label ? `${label}…` : label}
        </button>
      ))}
      {error ? <ErrorNotice error={error} /> : null}
    </div>
  );
}
