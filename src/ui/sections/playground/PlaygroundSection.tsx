// Runs on the page: the Playground. A simplex of small MLPs on 2-D data, trained in front of the
// user as the reference's two-spirals notebook trains it, with the data and decision boundary (of a
// vertex, the centre, a point picked on a face, or the ensemble), the loss over every face, the
// loss and volume curves and each vertex's and the ensemble's errors, redrawn as it learns.

import { useState } from 'react';
import type { Data } from 'plotly.js';
import {
  NOTEBOOK,
  PLAYGROUND_ACTIVATIONS,
  PLAYGROUND_DATASETS,
  PLAYGROUND_RULES,
  VOLUME_MODES,
  playgroundErrors,
  type PlaygroundConfig,
  type PlaygroundFace,
  type PlaygroundFrame,
  type PlaygroundPoints,
} from '../../../protocol/playground';
import { NumberField } from '../../components/NumberField';
import { SelectField } from '../../components/SelectField';
import { PlotlyChart } from '../../charts/PlotlyChart';
import { usePlayground } from './usePlayground';
import './playground.css';

type NumberKey = keyof typeof PLAYGROUND_RULES;

const FIELDS: { key: NumberKey; label: string }[] = [
  { key: 'noise', label: 'Noise (σ)' },
  { key: 'trainPerClass', label: 'Training points a class' },
  { key: 'testPerClass', label: 'Test points a class' },
  { key: 'depth', label: 'Linear layers' },
  { key: 'hidden', label: 'Hidden width' },
  { key: 'vertices', label: 'Vertices' },
  { key: 'baseIterations', label: 'Base iterations' },
  { key: 'vertexIterations', label: 'Iterations a vertex' },
  { key: 'nSample', label: 'Draws an iteration' },
  { key: 'lr', label: 'Adam learning rate' },
  { key: 'weightDecay', label: 'Weight decay' },
  { key: 'lmbd', label: 'LMBD' },
  { key: 'ensemblePoints', label: 'Ensemble points (M)' },
  { key: 'dataSeed', label: 'Data seed' },
  { key: 'seed', label: 'Seed' },
];

const textOf = (c: PlaygroundConfig) =>
  Object.fromEntries(FIELDS.map((f) => [f.key, String(c[f.key])])) as Record<NumberKey, string>;

export function PlaygroundSection() {
  const pg = usePlayground();
  const [draft, setDraft] = useState(pg.config);
  const [text, setText] = useState(() => textOf(pg.config));
  const parsed: PlaygroundConfig = {
    ...draft,
    ...Object.fromEntries(FIELDS.map((f) => [f.key, Number(text[f.key])])),
  };
  const errors = playgroundErrors(parsed);
  const valid = Object.keys(errors).length === 0;
  const frame = pg.frame;
  const apply = (next: PlaygroundConfig) => {
    setDraft(next);
    setText(textOf(next));
    pg.reset(next);
  };

  return (
    <div className="playground">
      <p className="muted">
        The reference’s <code>notebooks/two-spirals.ipynb</code> as it runs: an MLP of {NOTEBOOK.depth} linear
        layers (hidden {NOTEBOOK.hidden}) on two noisy spirals, a base vertex trained{' '}
        {NOTEBOOK.baseIterations} Adam iterations, then vertices added at the centroid and trained{' '}
        {NOTEBOOK.vertexIterations} iterations each with {NOTEBOOK.nSample} draws. Needs no dataset and no
        GPU; the experiment is in the page’s address.
      </p>
      {pg.ignored.length > 0 ? (
        <p role="alert">
          The link’s {pg.ignored.join(', ')} could not be used; the notebook’s values stand in.
        </p>
      ) : null}
      <form
        className="playground-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) apply(parsed);
        }}
      >
        <SelectField
          id="pg-dataset"
          label="Data"
          value={draft.dataset}
          options={PLAYGROUND_DATASETS.map((d) => ({ value: d, label: d }))}
          onChange={(dataset) => {
            setDraft({ ...draft, dataset });
          }}
        />
        <SelectField
          id="pg-activation"
          label="Activation"
          value={draft.activation}
          options={PLAYGROUND_ACTIVATIONS.map((a) => ({ value: a, label: a }))}
          onChange={(activation) => {
            setDraft({ ...draft, activation });
          }}
        />
        <SelectField
          id="pg-volume"
          label="Volume weight λ"
          value={draft.volume}
          options={VOLUME_MODES.map((v) => ({
            value: v,
            label: v === 'notebook' ? '0, as the notebook runs' : 'by the LMBD rule',
          }))}
          onChange={(volume) => {
            setDraft({ ...draft, volume });
          }}
          help="LMBD rule: λ = max(LMBD / log(V₀ + 1e-4), 1e-8), V₀ the volume of fresh vertices."
        />
        {FIELDS.map((f) => (
          <NumberField
            key={f.key}
            id={`pg-${f.key}`}
            testId={`pg-${f.key}`}
            label={f.label}
            text={text[f.key]}
            integer={PLAYGROUND_RULES[f.key].integer}
            error={errors[f.key]}
            onChange={(t) => {
              setText({ ...text, [f.key]: t });
            }}
          />
        ))}
        <div className="playground-buttons">
          <button type="submit" disabled={!valid}>
            Reset with these
          </button>
          <button
            type="button"
            onClick={() => {
              apply(NOTEBOOK);
            }}
          >
            The notebook’s
          </button>
        </div>
      </form>
      <div className="playground-buttons" role="group" aria-label="Training">
        <button
          type="button"
          data-testid="pg-play"
          disabled={pg.playing || !frame || frame.done}
          onClick={pg.play}
        >
          Play
        </button>
        <button type="button" disabled={!pg.playing} onClick={pg.pause}>
          Pause
        </button>
        <button type="button" disabled={pg.playing || !frame || frame.done} onClick={pg.step}>
          Step
        </button>
        <button
          type="button"
          onClick={() => {
            pg.reset(pg.config);
          }}
        >
          Reset
        </button>
        <button type="button" disabled={!frame} onClick={pg.exportFile}>
          Export safetensors
        </button>
      </div>
      {pg.error ? <p role="alert">{pg.error}</p> : null}
      {frame && pg.points ? <Pictures frame={frame} points={pg.points} setView={pg.setView} /> : null}
    </div>
  );
}

function Pictures({
  frame,
  points,
  setView,
}: {
  frame: PlaygroundFrame;
  points: PlaygroundPoints;
  setView: ReturnType<typeof usePlayground>['setView'];
}) {
  return (
    <>
      <p
        className="muted"
        data-testid="pg-status"
        data-done={frame.done ? 'true' : 'false'}
        data-elapsed={Math.round(frame.elapsedMs)}
      >
        Iteration {frame.iteration} of {frame.total} ({frame.stage}), {frame.vertices} vertices,{' '}
        {(frame.elapsedMs / 1000).toFixed(2)} s of training and drawing.
      </p>
      <div className="playground-buttons" role="group" aria-label="Boundary of">
        <button
          type="button"
          onClick={() => {
            setView({ kind: 'ensemble' });
          }}
        >
          Ensemble
        </button>
        <button
          type="button"
          onClick={() => {
            setView({ kind: 'centre' });
          }}
        >
          Centre
        </button>
        {Array.from({ length: frame.vertices }, (_, v) => (
          <button
            key={v}
            type="button"
            onClick={() => {
              setView({ kind: 'vertex', vertex: v });
            }}
          >
            Vertex {v}
          </button>
        ))}
      </div>
      <div className="playground-grid">
        <PlotlyChart
          label={`Decision boundary of ${frame.view}`}
          testId="pg-boundary"
          data={boundaryTraces(frame, points)}
          layout={{
            title: { text: `Boundary: ${frame.view}` },
            height: 420,
            xaxis: { title: { text: 'x₁' } },
            yaxis: { title: { text: 'x₂' } },
            legend: { orientation: 'h' },
          }}
        />
        <PlotlyChart
          label="Training loss and volume per iteration"
          testId="pg-loss"
          data={[
            { type: 'scatter', mode: 'lines', name: 'loss (mean BCE a draw)', y: frame.loss },
            { type: 'scatter', mode: 'lines', name: 'volume', y: frame.volume, yaxis: 'y2' },
          ]}
          layout={{
            title: { text: 'Loss and volume' },
            height: 420,
            xaxis: { title: { text: 'iteration' } },
            yaxis: { title: { text: 'loss' } },
            yaxis2: { title: { text: 'volume' }, overlaying: 'y', side: 'right', type: 'log' },
            legend: { orientation: 'h' },
          }}
        />
      </div>
      <table className="playground-errors" data-testid="pg-errors">
        <thead>
          <tr>
            <th>predictor</th>
            <th>train error</th>
            <th>test error</th>
          </tr>
        </thead>
        <tbody>
          {frame.errors.map((e) => (
            <tr key={e.label} data-label={e.label}>
              <td>{e.label}</td>
              <td data-field="train">{(100 * e.train).toFixed(1)}%</td>
              <td data-field="test" data-value={e.test}>
                {(100 * e.test).toFixed(1)}%
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {frame.faces ? (
        <div className="playground-grid">
          {frame.faces.map((face) => (
            <PlotlyChart
              key={face.vertices.join(',')}
              label={`Loss over the face ${face.vertices.join(', ')}`}
              testId="pg-face"
              data={faceTraces(face)}
              layout={{
                title: {
                  text: `Face ${face.vertices.map((v) => `w${v}`).join(', ')} at iteration ${frame.facesAt}: click a point`,
                },
                height: 300,
                showlegend: false,
                xaxis: { showticklabels: false },
                yaxis: { showticklabels: false, scaleanchor: 'x' },
              }}
              onClick={(u, v) => {
                const c = barycentric(face, u, v, frame.vertices);
                if (c) setView({ kind: 'point', coefficients: c });
              }}
            />
          ))}
        </div>
      ) : (
        <p className="muted">The loss over each face shows from three vertices on.</p>
      )}
    </>
  );
}

function boundaryTraces(frame: PlaygroundFrame, points: PlaygroundPoints): Data[] {
  const scatter = (set: PlaygroundPoints['train'], label: number, name: string, open: boolean): Data => ({
    type: 'scatter',
    mode: 'markers',
    name,
    x: set.x.filter((_, i) => set.label[i] === label),
    y: set.y.filter((_, i) => set.label[i] === label),
    marker: {
      size: open ? 5 : 7,
      color: label === 1 ? '#d9822b' : '#2b6cb0',
      symbol: open ? 'circle-open' : 'circle',
      line: { width: 1, color: '#222' },
    },
  });
  return [
    {
      type: 'heatmap',
      x: frame.grid.x,
      y: frame.grid.y,
      z: frame.grid.p,
      zmin: 0,
      zmax: 1,
      colorscale: [
        [0, '#2b6cb0'],
        [0.5, '#f7f7f7'],
        [1, '#d9822b'],
      ],
      colorbar: { title: { text: 'p(class 1)' } },
      name: 'p(class 1)',
    },
    scatter(points.train, 0, 'train, class 0', false),
    scatter(points.train, 1, 'train, class 1', false),
    scatter(points.test, 0, 'test, class 0', true),
    scatter(points.test, 1, 'test, class 1', true),
  ];
}

function faceTraces(face: PlaygroundFace): Data[] {
  const corners = [...face.corners, face.corners[0]].filter((c) => c !== undefined);
  return [
    {
      type: 'contour',
      x: face.u,
      y: face.v,
      z: face.loss.map((row) => row.map((l) => Math.min(l, 0.3))),
      colorscale: 'RdBu',
      reversescale: true,
      ncontours: 25,
      name: 'loss (cut at 0.3, as the notebook)',
    },
    {
      type: 'scatter',
      mode: 'text+lines+markers',
      x: corners.map((c) => c.u),
      y: corners.map((c) => c.v),
      text: [...face.vertices.map((v) => `w${v}`), ''],
      textposition: 'top center',
      line: { color: '#111' },
      marker: { color: '#111', size: 6 },
    },
  ];
}

/** The simplex coefficients of a click inside a face's triangle (null outside it). */
function barycentric(face: PlaygroundFace, u: number, v: number, vertices: number): number[] | null {
  const [a, b, c] = face.corners;
  if (!a || !b || !c) return null;
  const det = (b.v - c.v) * (a.u - c.u) + (c.u - b.u) * (a.v - c.v);
  const la = ((b.v - c.v) * (u - c.u) + (c.u - b.u) * (v - c.v)) / det;
  const lb = ((c.v - a.v) * (u - c.u) + (a.u - c.u) * (v - c.v)) / det;
  const lc = 1 - la - lb;
  if (la < 0 || lb < 0 || lc < 0) return null;
  const out = new Array<number>(vertices).fill(0);
  out[face.vertices[0]] = la;
  out[face.vertices[1]] = lb;
  out[face.vertices[2]] = lc;
  return out;
}
