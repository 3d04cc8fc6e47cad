// Runs on the page: one face's contour plot with its click-to-evaluate readout and exports
// (PNG through Plotly, CSV and JSON of the grid).

import { useCallback, useMemo, useRef, useState } from 'react';
import type { PointEvaluation, SurfaceGrid } from '../../../protocol/commands/surfaces';
import { toErrorInfo, type ErrorInfo } from '../../../protocol/errors';
import { ErrorNotice } from '../../components/ErrorNotice';
import { saveBlob } from '../../download';
import { useEngine } from '../../engineContext';
import { gridCsv, gridFileStem, gridJson } from '../../../protocol/gridExport';
import { PlotlyChart, loadPlotly } from '../../charts/PlotlyChart';
import { faceLayout, faceTraces, thinFace, type ColourOptions, type ColourRange } from './surfacePlots';

export interface FacePanelProps {
  grid: SurfaceGrid;
  cached: boolean;
  range: ColourRange;
  colour: ColourOptions;
  showScale: boolean;
}

type Readout =
  | { kind: 'busy'; u: number; v: number }
  | { kind: 'done'; u: number; v: number; value: PointEvaluation }
  | { kind: 'failed'; error: ErrorInfo };

const fmt = (x: number) => (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(2));

export function FacePanel({ grid, cached, range, colour, showScale }: FacePanelProps) {
  const { client } = useEngine();
  const element = useRef<HTMLDivElement | null>(null);
  const [readout, setReadout] = useState<Readout | null>(null);
  const data = useMemo(() => faceTraces(grid, range, colour, showScale), [grid, range, colour, showScale]);
  const layout = useMemo(() => faceLayout(grid), [grid]);
  const size = grid.settings.gridSize;
  const complete = grid.done === size * size;

  const evaluate = useCallback(
    (u: number, v: number) => {
      setReadout({ kind: 'busy', u, v });
      const { datasetId, split, images, batchNorm } = grid.settings;
      client
        .call('evaluateSurfacePoint', {
          modelId: grid.modelId,
          face: grid.face,
          u,
          v,
          data: { datasetId, split, images, ...(batchNorm ? { batchNorm } : {}) },
        })
        .then(
          (value) => {
            setReadout({ kind: 'done', u, v, value });
          },
          (err: unknown) => {
            setReadout({ kind: 'failed', error: toErrorInfo(err) });
          },
        );
    },
    [client, grid],
  );

  const stem = gridFileStem(grid);
  const exportPng = () => {
    const el = element.current;
    if (!el) return;
    void loadPlotly().then((Plotly) =>
      Plotly.downloadImage(el, { format: 'png', filename: stem, width: 800, height: 700 }),
    );
  };

  const thin = thinFace(grid);
  return (
    <div className="card surface-face" data-testid="surface-face" data-face={grid.face.join(',')}>
      <PlotlyChart
        modeBar
        className="surface-chart"
        data={data}
        layout={layout}
        label={`Loss surface over face ${grid.face.join(', ')}`}
        testId="surface-plot"
        elementRef={element}
        onClick={complete ? evaluate : undefined}
      />
      <p className="muted" data-testid="surface-status">
        {complete
          ? `${cached ? 'From the cache' : 'Computed'}: ${size}×${size} points on ${grid.imagesUsed} ${grid.settings.split} images` +
            (cached ? '' : ` in ${grid.seconds.toFixed(1)} s`) +
            '. Click the plot to evaluate a point.'
          : `Computing: ${grid.done} of ${size * size} points…`}
      </p>
      {thin ? (
        <p className="warning" data-testid="face-warning">
          {thin}
        </p>
      ) : null}
      {readout ? <PointReadout readout={readout} face={grid.face} /> : null}
      <div className="export-buttons">
        <button type="button" data-testid="surface-export-png" onClick={exportPng} disabled={!complete}>
          PNG
        </button>
        <button
          type="button"
          data-testid="surface-export-csv"
          disabled={!complete}
          onClick={() => {
            saveBlob(new Blob([gridCsv(grid)], { type: 'text/csv' }), `${stem}.csv`);
          }}
        >
          CSV
        </button>
        <button
          type="button"
          data-testid="surface-export-json"
          disabled={!complete}
          onClick={() => {
            saveBlob(new Blob([gridJson(grid)], { type: 'application/json' }), `${stem}.json`);
          }}
        >
          JSON
        </button>
      </div>
    </div>
  );
}

function PointReadout({ readout, face }: { readout: Readout; face: readonly number[] }) {
  if (readout.kind === 'failed') {
    return <ErrorNotice error={readout.error} />;
  }
  const where = `(u ${fmt(readout.u)}, v ${fmt(readout.v)})`;
  if (readout.kind === 'busy') return <p className="muted">Evaluating {where}…</p>;
  const { value } = readout;
  return (
    <p data-testid="surface-point">
      At {where}: loss {fmt(value.loss)}, accuracy {(100 * value.accuracy).toFixed(1)}% on {value.imagesUsed}{' '}
      images.{' '}
      {value.inside
        ? `Inside the triangle: ${face.map((v, i) => `β${v} = ${(value.barycentric[i] ?? NaN).toFixed(3)}`).join(', ')}.`
        : 'Outside the triangle.'}
    </p>
  );
}
