// How commands print their one JSON object: indented for people, with arrays of plain numbers
// (coefficients, frozen vertices) kept on one line so the object stays short. Still one object
// for `JSON.parse` or jq. Runs in Node.

import { escapeJsonText } from '../protocol/displayText';
import type { CliIo } from './io';

const NUMBER_ARRAY = /\[\n\s*(-?[\d.eE+-]+(?:,\n\s*-?[\d.eE+-]+)*)\n\s*\]/g;

export function formatJson(value: unknown): string {
  // File text in the values (run names, metadata) must not reach the terminal raw.
  return escapeJsonText(JSON.stringify(value, null, 2)).replace(
    NUMBER_ARRAY,
    (_, items: string) => `[${items.replace(/,\n\s*/g, ', ')}]`,
  );
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${formatJson(value)}\n`);
}
