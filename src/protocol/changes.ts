// What every tab of one browser profile hears about the storage they share: after a transaction
// commits, the worker that wrote it names the lists it changed on one BroadcastChannel, and every
// page (this tab's and the others') lists them again. A run trained in one tab so shows in the
// others, as do a model imported or a dataset deleted there. Plain data and a channel name.

export const CHANGES_CHANNEL = 'simplex-studio:changes';

/** The lists a page shows that another tab can change. */
export type ChangedList = 'runs' | 'models' | 'datasets';

export interface ChangeMessage {
  lists: ChangedList[];
}

export function isChangeMessage(data: unknown): data is ChangeMessage {
  return (
    typeof data === 'object' &&
    data !== null &&
    Array.isArray((data as { lists?: unknown }).lists) &&
    (data as { lists: unknown[] }).lists.every((l) => l === 'runs' || l === 'models' || l === 'datasets')
  );
}
