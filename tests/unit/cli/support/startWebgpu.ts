// Child process of backend.test.ts: asks for the webgpu backend in an environment the test sets
// (a Vulkan driver list that names no driver) and prints what happened as one JSON line.
import { startNodeBackend } from '../../../../src/cli/backend';
import { StudioError } from '../../../../src/protocol/errors';

try {
  const started = await startNodeBackend('webgpu');
  console.log(JSON.stringify({ started: started.name }));
} catch (err) {
  const code = err instanceof StudioError ? err.code : 'OTHER';
  console.log(JSON.stringify({ code, message: err instanceof Error ? err.message : String(err) }));
}
process.exit(0);
