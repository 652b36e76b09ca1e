import { parentPort } from 'node:worker_threads';
import { runJob, type Job, type JobResult } from './blob-jobs.js';

/**
 * A worker thread of the parallel blob detector (blob-detector.ts): runs one job at a time and
 * answers each with its result, or with the error it raised, staying alive for the next.
 */
const port = parentPort;
if (port === null) throw new Error('blob-worker runs as a worker thread, started by blob-detector');

port.on('message', (job: Job) => {
  let result: JobResult;
  try {
    result = runJob(job);
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    port.postMessage({ kind: 'failed', message: failure.message, stack: failure.stack } satisfies JobResult);
    return;
  }
  // The centres' buffers move rather than being copied; shared buffers are shared either way.
  const transfer = result.kind === 'cuts' ? [result.cutIndices.buffer, result.counts.buffer, result.centres.buffer] : [];
  port.postMessage(result, transfer as ArrayBuffer[]);
});
port.postMessage({ kind: 'ready' });
