// Runs on the page: the studio's sections, in the order a user works through them.

export const SECTIONS = [
  {
    id: 'data',
    title: 'Data',
    blurb:
      'Import CIFAR-10/100 tarballs (or their .bin files), MNIST-family IDX files, or a folder or zip of images by class; download CIFAR; or use the built-in synthetic set.',
  },
  {
    id: 'models',
    title: 'Models',
    blurb: 'VGG, VGG-BN and PreResNet base models, simplexes and complexes trained here or imported.',
  },
  {
    id: 'train',
    title: 'Train',
    blurb: 'Base models, SPRO simplexes, mode-connecting complexes, ESPRO ensembles.',
  },
  {
    id: 'surfaces',
    title: 'Surfaces',
    blurb: 'Loss over simplex faces and edges, and a 3-D view of a complex.',
  },
  { id: 'ensembles', title: 'Ensembles', blurb: 'ESPRO against deep ensembles: error, NLL, calibration.' },
  { id: 'export', title: 'Export', blurb: 'Weights as safetensors that PyTorch loads.' },
  {
    id: 'playground',
    title: 'Playground',
    blurb:
      'Simplexes of small MLPs on 2-D data, trained and drawn in seconds: the two-spirals notebook, live.',
  },
] as const;

export type SectionId = (typeof SECTIONS)[number]['id'];

export function isSectionId(value: string): value is SectionId {
  return SECTIONS.some((s) => s.id === value);
}
