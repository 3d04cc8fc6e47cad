// Every unit test file runs on the studio's CPU path, tfjs's wasm backend, started as the CLI
// starts it; a test that compares with tfjs's plain CPU backend switches to it itself.

import { startNodeBackend } from '../../src/cli/backend';

await startNodeBackend('wasm');
