// Runs on the page: picks the component for the current section.

import { SECTIONS, type SectionId } from '../sections';
import { DataSection } from './data/DataSection';
import { EnsemblesSection } from './ensembles/EnsemblesSection';
import { ExportSection } from './export/ExportSection';
import { ModelsSection } from './models/ModelsSection';
import { PlaygroundSection } from './playground/PlaygroundSection';
import { SurfacesSection } from './surfaces/SurfacesSection';
import { TrainSection } from './train/TrainSection';

export function SectionView({ section }: { section: SectionId }) {
  const meta = SECTIONS.find((s) => s.id === section);
  return (
    <section aria-labelledby={`section-${section}`} data-section={section}>
      <h2 id={`section-${section}`}>{meta?.title}</h2>
      <p className="muted">{meta?.blurb}</p>
      {section === 'data' ? <DataSection /> : null}
      {section === 'models' ? <ModelsSection /> : null}
      {section === 'train' ? <TrainSection /> : null}
      {section === 'ensembles' ? <EnsemblesSection /> : null}
      {section === 'surfaces' ? <SurfacesSection /> : null}
      {section === 'export' ? <ExportSection /> : null}
      {section === 'playground' ? <PlaygroundSection /> : null}
    </section>
  );
}
