// Runs on the page: the quick start's card (on the Data section for a new user, and in Train): its
// plan with the estimated time on this machine, the stage running, Cancel, and why a stage failed.

import { useSyncExternalStore } from 'react';
import type { DatasetInfo } from '../../../protocol/commands/data';
import type { TrainProgress } from '../../../protocol/commands/train';
import { useEngine } from '../../engineContext';
import { formatDuration } from './format';
import { quickStartFor, type QuickStartStage } from './quickStart';
import { QUICK_START_DATASET, quickStartPlan } from './quickStartPlan';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useRuns } from './useRuns';
import './train.css';

const STAGE_NAMES: Record<QuickStartStage, string> = {
  measure: 'this machine’s speed',
  base: 'the base model',
  simplex: 'the simplex',
};

export function QuickStartCard({ datasets }: { datasets: readonly DatasetInfo[] | null }) {
  const { client, backend } = useEngine();
  const quickStart = quickStartFor(client);
  const { state, warmUp, measureFailed } = useSyncExternalStore(quickStart.subscribe, quickStart.getSnapshot);
  const { snapshot } = useRuns();
  const dataset = datasets?.find((d) => d.id === QUICK_START_DATASET);
  const plan = dataset ? quickStartPlan(dataset, snapshot.runs ?? [], warmUp) : null;
  const running = state.phase === 'running';
  const otherRun = !running && snapshot.live.size > 0;
  const estimate =
    plan?.seconds && plan.rate && warmUp
      ? `About ${formatDuration(plan.seconds)} on this machine: training at ${plan.rate.imagesPerSecond.toFixed(1)} images/s as ${plan.rate.source} measured, the surface at ${Math.round(warmUp.evaluation)} images/s as the warm-up evaluated.`
      : running && state.stage === 'measure'
        ? 'Measuring this machine’s speed with a few warm-up steps…'
        : measureFailed
          ? 'Time unknown: the warm-up could not measure this machine’s speed.'
          : 'The time shows before training begins: the button first measures this machine with a few warm-up steps.';
  const current = running ? state.stage : null;
  const stageRun = running ? snapshot.runs?.find((r) => r.id === state.runId) : undefined;

  return (
    <section className="card quick-start" aria-label="Quick start">
      <h3>Quick start</h3>
      <p className="muted">
        A simplex and the loss surface over its face in a few minutes, each step an ordinary run in the Runs
        list of the Train section.
      </p>
      {plan ? (
        <ol className="quick-start-plan" data-testid="quick-start-plan">
          {plan.stages.map((stage) => (
            <li
              key={stage.id}
              aria-current={stage.id === current ? 'step' : undefined}
              className={stage.id === current ? 'current' : undefined}
            >
              {stage.label}
              {stage.seconds !== null ? (
                <span className="muted"> — about {formatDuration(stage.seconds)}</span>
              ) : null}
              {stage.id === current ? <strong> (running)</strong> : null}
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">
          {datasets === null
            ? 'Loading datasets…'
            : 'The built-in synthetic set is not stored yet: it is generated when the Data section lists datasets.'}
        </p>
      )}
      {plan ? (
        <p className="muted" data-testid="quick-start-estimate">
          {estimate}
        </p>
      ) : null}
      <p>
        <button
          type="button"
          disabled={plan === null || backend === null || running || otherRun}
          onClick={() => {
            void quickStart.start();
          }}
        >
          Quick start: a simplex on the synthetic set
        </button>{' '}
        {running ? (
          <button
            type="button"
            onClick={() => {
              void quickStart.cancel();
            }}
          >
            Cancel
          </button>
        ) : null}{' '}
        {otherRun ? (
          <span className="muted">One run trains at a time: let it finish or stop it first.</span>
        ) : null}
      </p>
      <div data-testid="quick-start-status" data-phase={state.phase}>
        {running ? (
          <p>
            {state.stage === 'measure' ? (
              'Measuring this machine’s speed…'
            ) : (
              <>
                Training {STAGE_NAMES[state.stage]} ({state.stage === 'base' ? 1 : 2} of 3)
                {stageRun?.progress ? `: ${progressText(stageRun.progress)}` : '…'}{' '}
                <a href="#train">Its run in Train</a>
              </>
            )}
          </p>
        ) : null}
        {state.phase === 'done' ? (
          <p>
            Trained in {formatDuration(state.seconds)}; the surface is computed in{' '}
            <a href="#surfaces">Surfaces</a>.
          </p>
        ) : null}
        {state.phase === 'cancelled' ? (
          <p className="muted">
            Cancelled while training {STAGE_NAMES[state.stage]}; its run stays in the list.
          </p>
        ) : null}
        {state.phase === 'failed' ? (
          <>
            <p className="error">The quick start stopped: training {STAGE_NAMES[state.stage]} failed.</p>
            <ErrorNotice error={state.error} context="run" />
          </>
        ) : null}
      </div>
    </section>
  );
}

function progressText(progress: TrainProgress): string {
  const left = Number.isFinite(progress.secondsLeft) ? `, ${formatDuration(progress.secondsLeft)} left` : '';
  return `step ${progress.step} of ${progress.totalSteps}${left}`;
}
