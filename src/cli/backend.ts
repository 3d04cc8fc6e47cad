// The CLI computes on tfjs's CPU backend (tfjs-node is not available here). tfjs prints a banner
// suggesting tfjs-node on the first tensor write; its PROD flag silences tfjs's logging (and
// nothing else), so stderr stays the single error line the CLI promises. Runs in Node.

import * as tf from '@tensorflow/tfjs';

export async function useCpuBackend(): Promise<void> {
  tf.env().set('PROD', true);
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  await tf.ready();
}
