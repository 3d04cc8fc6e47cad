// Runs on the page: the Start-a-run form's edits, per procedure, in this browser profile's
// localStorage, so they survive procedure changes and reloads. Anything unreadable there (another
// version's, or edited by hand) is ignored, never trusted.

import { isArchitecture } from '../../../protocol/architecture';
import { PRESETS, PROCEDURES } from '../../../protocol/settings';
import type { ProcedureEdits, RememberedForm } from './settingsForm';

const KEY = 'simplex-studio.train-form';

export function loadFormMemory(): RememberedForm | null {
  try {
    const raw: unknown = JSON.parse(window.localStorage.getItem(KEY) ?? 'null');
    if (!isRecord(raw) || !PROCEDURES.includes(raw.procedure as never) || typeof raw.datasetId !== 'string') {
      return null;
    }
    const edits: RememberedForm['edits'] = {};
    const stored = isRecord(raw.edits) ? raw.edits : {};
    for (const procedure of PROCEDURES) {
      const e = stored[procedure];
      if (isRecord(e) && isRecord(e.text)) edits[procedure] = cleanEdits(e, e.text);
    }
    const preset = PRESETS.includes(raw.preset as never)
      ? (raw.preset as RememberedForm['preset'])
      : 'reference';
    return {
      procedure: raw.procedure as RememberedForm['procedure'],
      datasetId: raw.datasetId,
      preset,
      edits,
    };
  } catch {
    return null;
  }
}

export function saveFormMemory(memory: RememberedForm): void {
  try {
    window.localStorage.setItem(KEY, JSON.stringify(memory));
  } catch {
    // Storage full or disabled: the form still works, it just forgets.
  }
}

function cleanEdits(e: Record<string, unknown>, text: Record<string, unknown>): ProcedureEdits {
  const out: ProcedureEdits = {
    text: Object.fromEntries(Object.entries(text).filter(([, v]) => typeof v === 'string')),
    augment: e.augment !== false,
    shuffle: e.shuffle !== false,
    keepPath: e.keepPath === true,
  };
  if (isArchitecture(e.architecture)) out.architecture = e.architecture;
  if (typeof e.widthScale === 'number') out.widthScale = e.widthScale as ProcedureEdits['widthScale'];
  if (e.reduction === 'sum' || e.reduction === 'mean') out.reduction = e.reduction;
  return out;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
