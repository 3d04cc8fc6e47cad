// The torchvision ImageFolder convention, read from a list of file paths (a dropped folder's
// relative paths, or a .zip's members): `train/<class>/<image>` and `test/<class>/<image>`, or
// `<class>/<image>` alone, which the studio splits per class with a seeded shuffle. Class names are
// the folder names, sorted by code point as torchvision sorts them, so label i means the same class
// in the studio and in a PyTorch ImageFolder. Pure: no DOM, no Node APIs.

import { StudioError } from '../../protocol/errors';
import { Rng } from '../util/rng';
import { deriveSeed } from '../util/seeds';

/** File name endings read as images (decoding decides in the end: an undecodable one is skipped). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.bmp', '.gif'] as const;
/** Labels are one byte in the studio's records. */
export const MAX_IMAGE_FOLDER_CLASSES = 256;
/** Per split, as the official CIFAR sets' largest split (50,000) with room for own data. */
export const MAX_IMAGE_FOLDER_IMAGES = 100_000;
/** Share of each class that goes to test when the folder has no train/test split (CIFAR's 1/6). */
export const DEFAULT_TEST_FRACTION = 1 / 6;

export interface FolderImage {
  /** The path as given (an archive member or a relative path). */
  path: string;
  label: number;
}

export interface ImageFolderLayout {
  classNames: string[];
  train: FolderImage[];
  test: FolderImage[];
  /** 'folders': the archive's own train/ and test/; 'seeded': split here with `seed`. */
  split: { kind: 'folders' } | { kind: 'seeded'; seed: number; testFraction: number };
  /** Files that are not images by name (listed in the import summary, not stored). */
  skipped: string[];
}

export interface LayoutOptions {
  seed?: number;
  testFraction?: number;
}

/** Paths that are an operating system's bookkeeping, not the user's data: ignored silently. */
function isSystemFile(parts: readonly string[]): boolean {
  const name = parts[parts.length - 1] ?? '';
  return (
    parts.includes('__MACOSX') ||
    name === '.DS_Store' ||
    name === 'Thumbs.db' ||
    name === 'desktop.ini' ||
    name.startsWith('._')
  );
}

export function isImageName(path: string): boolean {
  const lower = path.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

function datasetError(message: string): StudioError {
  return new StudioError('BAD_DATASET', message);
}

/**
 * Lays out the files. `paths` are '/'-separated; entries ending in '/' are folders (a zip lists
 * them, so an empty class folder is seen). Throws BAD_DATASET for fewer than two classes, more than
 * 256, an empty class folder, a test class that train lacks, or a split over 100,000 images.
 */
export function imageFolderLayout(paths: readonly string[], options: LayoutOptions = {}): ImageFolderLayout {
  const split = paths.map((p) => p.split('/').filter((part) => part !== '' && part !== '.'));
  const kept = split
    .map((parts, i) => ({ parts, path: paths[i] as string, folder: (paths[i] as string).endsWith('/') }))
    .filter(({ parts }) => parts.length > 0 && !isSystemFile(parts));
  if (kept.some(({ parts }) => parts.includes('..')))
    throw datasetError('A path in the folder leaves it (“..”).');
  // A folder dropped or zipped as a whole puts everything under its own name: look inside it.
  let depth = 0;
  for (;;) {
    const first = kept.find((k) => !k.folder)?.parts[depth];
    if (first === undefined) break;
    const allUnder =
      kept.every((k) => k.parts[depth] === first && (k.parts.length > depth + 1 || k.folder)) &&
      kept.some((k) => !k.folder && k.parts.length >= depth + 3);
    const isSplitName = /^(train|test)$/i.test(first);
    if (!allUnder || isSplitName) break;
    depth++;
  }
  const rel = kept.map((k) => ({ ...k, parts: k.parts.slice(depth) })).filter((k) => k.parts.length > 0);
  const top = (name: string) => rel.filter((k) => k.parts[0]?.toLowerCase() === name);
  const trainEntries = top('train');
  const testEntries = top('test');
  const skipped: string[] = [];

  if (trainEntries.length > 0 && testEntries.length > 0) {
    const train = classesOf(
      trainEntries.map((k) => ({ ...k, parts: k.parts.slice(1) })),
      skipped,
    );
    const test = classesOf(
      testEntries.map((k) => ({ ...k, parts: k.parts.slice(1) })),
      skipped,
    );
    for (const k of rel) if (!/^(train|test)$/i.test(k.parts[0] ?? '') && !k.folder) skipped.push(k.path);
    const classNames = sortedClasses(train);
    for (const name of test.keys()) {
      if (!train.has(name)) throw datasetError(`test/${name} is a class that train/ does not have.`);
    }
    const label = new Map(classNames.map((name, i) => [name, i]));
    const images = (classes: Map<string, string[]>): FolderImage[] =>
      [...classes.entries()]
        .sort(([a], [b]) => compare(a, b))
        .flatMap(([name, files]) => files.map((path) => ({ path, label: label.get(name) as number })));
    return checked({
      classNames,
      train: images(train),
      test: images(test),
      split: { kind: 'folders' },
      skipped,
    });
  }

  const seed = options.seed ?? 0;
  const testFraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  if (!(testFraction > 0 && testFraction < 1))
    throw datasetError('The test share must lie strictly between 0 and 1.');
  const classes = classesOf(rel, skipped);
  const classNames = sortedClasses(classes);
  const train: FolderImage[] = [];
  const test: FolderImage[] = [];
  classNames.forEach((name, label) => {
    const sorted = classes.get(name) as string[];
    // A permutation from (seed, class name): the same seed gives the same split on every machine,
    // and adding a class does not reshuffle the others.
    const order = new Rng(deriveSeed(seed, 'image-folder-split', name)).permutation(sorted.length);
    const files = Array.from(order, (i) => sorted[i] as string);
    const nTest = Math.min(files.length - 1, Math.max(1, Math.round(files.length * testFraction)));
    const byPath = (a: FolderImage, b: FolderImage) => compare(a.path, b.path);
    test.push(
      ...files
        .slice(0, nTest)
        .map((path) => ({ path, label }))
        .sort(byPath),
    );
    train.push(
      ...files
        .slice(nTest)
        .map((path) => ({ path, label }))
        .sort(byPath),
    );
  });
  return checked({ classNames, train, test, split: { kind: 'seeded', seed, testFraction }, skipped });
}

interface Entry {
  parts: string[];
  path: string;
  folder: boolean;
}

/** Class folder → its image paths (sorted). Files outside a class folder or not images go to `skipped`. */
function classesOf(entries: readonly Entry[], skipped: string[]): Map<string, string[]> {
  const classes = new Map<string, string[]>();
  for (const { parts, path, folder } of entries) {
    const name = parts[0];
    if (name === undefined) continue;
    if (folder) {
      if (parts.length === 1 && !classes.has(name)) classes.set(name, []);
      continue;
    }
    if (parts.length < 2) {
      skipped.push(path);
      continue;
    }
    if (!classes.has(name)) classes.set(name, []);
    if (isImageName(path)) (classes.get(name) as string[]).push(path);
    else skipped.push(path);
  }
  for (const files of classes.values()) files.sort(compare);
  return classes;
}

function sortedClasses(classes: Map<string, string[]>): string[] {
  const names = [...classes.keys()].sort(compare);
  for (const name of names) {
    if ((classes.get(name) as string[]).length === 0)
      throw datasetError(`The class folder “${name}” has no images.`);
  }
  if (names.length < 2) {
    throw datasetError(
      names.length === 0
        ? 'No class folders: the studio reads train/<class>/<image> and test/<class>/<image>, or <class>/<image>.'
        : `Only one class folder (“${names[0]}”): a classifier needs at least two.`,
    );
  }
  if (names.length > MAX_IMAGE_FOLDER_CLASSES) {
    throw datasetError(
      `${names.length} class folders: the studio stores at most ${MAX_IMAGE_FOLDER_CLASSES} classes.`,
    );
  }
  return names;
}

function checked(layout: ImageFolderLayout): ImageFolderLayout {
  for (const split of ['train', 'test'] as const) {
    const n = layout[split].length;
    if (n > MAX_IMAGE_FOLDER_IMAGES) {
      throw datasetError(
        `The ${split} split holds ${n} images, more than the ${MAX_IMAGE_FOLDER_IMAGES} the studio stores.`,
      );
    }
  }
  return layout;
}

/** Code-point order, as Python's sorted() (torchvision's class order), not the locale's. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
