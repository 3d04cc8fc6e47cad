// A child process for the signal tests: starts writing argv[2] through writeOutput, writes one
// part, prints "writing" and then waits (the next part never comes) until the test signals it.
import { writeOutput } from '../../../../src/cli/outputFile';

async function* stalled(): AsyncGenerator<Uint8Array> {
  yield new Uint8Array(1 << 20).fill(7);
  process.stdout.write('writing\n');
  await new Promise(() => setInterval(() => undefined, 1000));
}

const out = process.argv[2];
if (out === undefined) throw new Error('usage: stalledWrite OUT');
await writeOutput(out, stalled(), { force: false, inputs: [] });
