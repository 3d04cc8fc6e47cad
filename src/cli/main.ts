// Entry point of `npm run cli`: binds the CLI to the process. Everything else is in run.ts, which
// tests call in-process. Runs in Node on the tfjs CPU backend.

import { processIo } from './io';
import { run } from './run';

process.exitCode = await run(process.argv.slice(2), processIo);
