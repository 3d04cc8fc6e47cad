// Runs on the page: the reference settings or the small ones, one click between them.

import { PRESETS, PRESET_LABELS, type Preset } from '../../../protocol/settings';

export function PresetChoice({
  preset,
  fitting,
  onPick,
}: {
  preset: Preset;
  /** The preset that suits this machine, or null until known. */
  fitting: Preset | null;
  onPick: (preset: Preset) => void;
}) {
  return (
    <div className="preset-choice" role="group" aria-label="Settings">
      {PRESETS.map((p) => (
        <button
          key={p}
          type="button"
          aria-pressed={preset === p}
          onClick={() => {
            onPick(p);
          }}
        >
          {PRESET_LABELS[p]}
        </button>
      ))}
      <small className="muted">
        {preset === 'small'
          ? 'VGG11 at width 1/8 on 2,000 images: a first result in minutes without a GPU.'
          : 'The paper’s settings: VGG16 at full width, 300 base epochs — sized for a data-centre GPU.'}
        {fitting === 'small' && preset === 'reference' ? ' This machine has no hardware GPU.' : ''}
      </small>
    </div>
  );
}
