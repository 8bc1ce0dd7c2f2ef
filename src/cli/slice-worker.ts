import { parentPort, workerData } from 'node:worker_threads';
import { runSliceHere, type SliceJob } from './slice-job.js';

/**
 * Worker-thread entry for local fan-out: runs one slice with its own event loop and HTTP pool.
 * Protocol: → 'ready'; ← { go: originEpochMs }; → { progress } …; → { outcome }. ← 'abort' stops it.
 */
const port = parentPort!;
const job = workerData as SliceJob;
const abort = new AbortController();
port.on('message', (message: unknown) => {
  if (message === 'abort') abort.abort();
  else if (typeof message === 'object' && message !== null && 'go' in message) {
    runSliceHere({ ...job, slice: { ...job.slice, originEpochMs: (message as { go: number }).go } }, abort.signal, (progress) =>
      port.postMessage({ progress }),
    ).then(
      (outcome) => port.postMessage({ outcome }),
      (error: Error) => port.postMessage({ failure: error.message }),
    );
  }
});
port.postMessage('ready');
