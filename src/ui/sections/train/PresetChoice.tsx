// Runs on the page: the reference settings, the small ones or the CPU ones, one click between them.

import { PRESETS, PRESET_LABELS, type Preset } from '../../../protocol/settings';

const PRESET_NOTES: Record<Preset, string> = {
  small: 'VGG11 at width 1/8 on 2,000 images: a first result in minutes without a GPU.',
  cpu: 'VGG11-BN at width 1/8 on all the images, batches of 64, no augmentation, 5 epochs: about 90% on Fashion-MNIST in 8 minutes without a GPU.',
  reference: 'The paper’s settings: VGG16 at full width, 300 base epochs — sized for a data-centre GPU.',
};

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
        {PRESET_NOTES[preset]}
        {fitting === 'small' && preset === 'reference' ? ' This machine has no hardware GPU.' : ''}
      </small>
    </div>
  );
}
