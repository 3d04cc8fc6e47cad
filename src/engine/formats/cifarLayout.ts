// What the official CIFAR downloads look like: folder and file names, record formats, class names.
// The importer recognises a dataset from these names and the record sizes, never from a record
// count (the real files hold 10,000 records per CIFAR-10 batch; the test fixtures hold 40).

import { escapeText } from '../../protocol/displayText';
import { StudioError } from '../../protocol/errors';

export type CifarKind = 'cifar10' | 'cifar100';
export type Split = 'train' | 'test';

/** Pixels of one image: 1024 R, 1024 G, 1024 B, rows top to bottom (CHW). */
export const IMAGE_BYTES = 3072;

export interface CifarFormat {
  kind: CifarKind;
  title: string;
  /** Label bytes before the pixels: CIFAR-10 one label; CIFAR-100 coarse then fine. */
  labelBytes: 1 | 2;
  recordBytes: number;
  classes: number;
  coarseClasses: number | null;
  binaryDownload: string;
}

/**
 * Records a split may hold: what the official CIFAR-10 and CIFAR-100 hold (50,000 train, 10,000
 * test). More is refused, so a small file that decompresses to gigabytes of records cannot fill
 * memory or storage.
 */
export const MAX_SPLIT_RECORDS: Record<Split, number> = { train: 50_000, test: 10_000 };

/** BAD_DATASET for `source`, which would make `split` of `kind` hold `total` records. */
export function tooManyRecords(kind: CifarKind, split: Split, source: string, total: number): StudioError {
  const format = CIFAR_FORMATS[kind];
  const count = (n: number): string => n.toLocaleString('en-US');
  return new StudioError(
    'BAD_DATASET',
    `The ${format.title} ${split === 'train' ? 'training' : 'test'} split holds at most ${count(MAX_SPLIT_RECORDS[split])} ` +
      `records, as the official one does, and ${source} would make it ${count(total)}: this is not ${format.title} ` +
      `as published. Import ${format.binaryDownload}.`,
  );
}

/**
 * Bytes a tar archive may hold once decompressed. The official tarballs are 185 MB; this leaves
 * room for extra members while bounding the work a decompression bomb can cause.
 */
export const MAX_ARCHIVE_BYTES = 512 * 1024 * 1024;

export const CIFAR_FORMATS: Record<CifarKind, CifarFormat> = {
  cifar10: {
    kind: 'cifar10',
    title: 'CIFAR-10',
    labelBytes: 1,
    recordBytes: 1 + IMAGE_BYTES,
    classes: 10,
    coarseClasses: null,
    binaryDownload: 'cifar-10-binary.tar.gz',
  },
  cifar100: {
    kind: 'cifar100',
    title: 'CIFAR-100',
    labelBytes: 2,
    recordBytes: 2 + IMAGE_BYTES,
    classes: 100,
    coarseClasses: 20,
    binaryDownload: 'cifar-100-binary.tar.gz',
  },
};

/** What one archive member or picked file is, judged by its path. */
export type MemberRole =
  | { role: 'records'; kind: CifarKind; split: Split; file: string }
  | { role: 'classNames'; kind: CifarKind; which: 'fine' | 'coarse' }
  | { role: 'python'; kind: CifarKind }
  | { role: 'other' };

const CIFAR10_TRAIN = /^data_batch_[1-9]\d*\.bin$/;

/**
 * Classifies a path such as `cifar-10-batches-bin/data_batch_3.bin` or a bare picked file name.
 * A browser's duplicate-download suffix (`test_batch (1).bin`) is tolerated.
 */
export function classifyMember(path: string): MemberRole {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  const file = (parts[parts.length - 1] ?? '').replace(/ \(\d+\)(?=\.[^.]*$|$)/, '');
  const folders = parts.slice(0, -1).map((p) => p.toLowerCase());
  if (folders.includes('cifar-10-batches-py')) return { role: 'python', kind: 'cifar10' };
  if (folders.includes('cifar-100-python')) return { role: 'python', kind: 'cifar100' };
  const inCifar10 = folders.includes('cifar-10-batches-bin');
  const inCifar100 = folders.includes('cifar-100-binary');

  if (!inCifar100) {
    if (CIFAR10_TRAIN.test(file)) return { role: 'records', kind: 'cifar10', split: 'train', file };
    if (file === 'test_batch.bin') return { role: 'records', kind: 'cifar10', split: 'test', file };
    if (file === 'batches.meta.txt') return { role: 'classNames', kind: 'cifar10', which: 'fine' };
    // The pickle files have the same names without `.bin`.
    if (/^(data_batch_\d+|test_batch)$/.test(file)) return { role: 'python', kind: 'cifar10' };
  }
  if (!inCifar10) {
    if (file === 'train.bin') return { role: 'records', kind: 'cifar100', split: 'train', file };
    if (file === 'test.bin') return { role: 'records', kind: 'cifar100', split: 'test', file };
    if (file === 'fine_label_names.txt') return { role: 'classNames', kind: 'cifar100', which: 'fine' };
    if (file === 'coarse_label_names.txt') return { role: 'classNames', kind: 'cifar100', which: 'coarse' };
  }
  return { role: 'other' };
}

/** One name per non-empty line (the official files end with blank lines); shown, so escaped. */
export function parseClassNames(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => escapeText(line.trim()))
    .filter((line) => line !== '');
}

/** The official names, used when an import has no names file (e.g. only `.bin` files picked). */
export const DEFAULT_CLASS_NAMES: Record<CifarKind, readonly string[]> = {
  cifar10: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
  cifar100: [
    'apple',
    'aquarium_fish',
    'baby',
    'bear',
    'beaver',
    'bed',
    'bee',
    'beetle',
    'bicycle',
    'bottle',
    'bowl',
    'boy',
    'bridge',
    'bus',
    'butterfly',
    'camel',
    'can',
    'castle',
    'caterpillar',
    'cattle',
    'chair',
    'chimpanzee',
    'clock',
    'cloud',
    'cockroach',
    'couch',
    'crab',
    'crocodile',
    'cup',
    'dinosaur',
    'dolphin',
    'elephant',
    'flatfish',
    'forest',
    'fox',
    'girl',
    'hamster',
    'house',
    'kangaroo',
    'keyboard',
    'lamp',
    'lawn_mower',
    'leopard',
    'lion',
    'lizard',
    'lobster',
    'man',
    'maple_tree',
    'motorcycle',
    'mountain',
    'mouse',
    'mushroom',
    'oak_tree',
    'orange',
    'orchid',
    'otter',
    'palm_tree',
    'pear',
    'pickup_truck',
    'pine_tree',
    'plain',
    'plate',
    'poppy',
    'porcupine',
    'possum',
    'rabbit',
    'raccoon',
    'ray',
    'road',
    'rocket',
    'rose',
    'sea',
    'seal',
    'shark',
    'shrew',
    'skunk',
    'skyscraper',
    'snail',
    'snake',
    'spider',
    'squirrel',
    'streetcar',
    'sunflower',
    'sweet_pepper',
    'table',
    'tank',
    'telephone',
    'television',
    'tiger',
    'tractor',
    'train',
    'trout',
    'tulip',
    'turtle',
    'wardrobe',
    'whale',
    'willow_tree',
    'wolf',
    'woman',
    'worm',
  ],
};

export const DEFAULT_COARSE_NAMES: readonly string[] = [
  'aquatic_mammals',
  'fish',
  'flowers',
  'food_containers',
  'fruit_and_vegetables',
  'household_electrical_devices',
  'household_furniture',
  'insects',
  'large_carnivores',
  'large_man-made_outdoor_things',
  'large_natural_outdoor_scenes',
  'large_omnivores_and_herbivores',
  'medium_mammals',
  'non-insect_invertebrates',
  'people',
  'reptiles',
  'small_mammals',
  'trees',
  'vehicles_1',
  'vehicles_2',
];
