/**
 * The inference thread of a replica on ONNX Runtime: holds the session and runs the batches the
 * event loop sends, one at a time in the order sent. onnxruntime-node's session.run occupies its
 * thread for the whole batch; here that thread is this one, so the event loop keeps receiving,
 * decoding and answering calls, health checks and metrics scrapes meanwhile.
 *
 * Started by worker-runner.ts with OnnxWorkerData. Imports only node: built-ins and types: run
 * from the sources, the program is transpiled into a temporary folder where no package resolves
 * (@skinlesion/worker-script); ONNX Runtime comes from the URL the event loop resolved.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type * as Ort from 'onnxruntime-node';
import type { FromWorker, OnnxWorkerData, ToWorker, WorkerError } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('onnx-worker runs as a worker thread, started by worker-runner');
const data = workerData as OnnxWorkerData;

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function describe(error: unknown): WorkerError {
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack === undefined ? {} : { stack: error.stack }) };
  return { name: 'Error', message: String(error) };
}

/** The output as a Float32Array that owns its whole ArrayBuffer, so that the buffer can be transferred. */
function transferable(name: string, values: unknown): Float32Array {
  if (!(values instanceof Float32Array)) throw new TypeError(`output "${name}" is not float32 (got ${Object.prototype.toString.call(values)})`);
  const owns = values.byteOffset === 0 && values.byteLength === values.buffer.byteLength && values.buffer instanceof ArrayBuffer;
  return owns ? values : values.slice();
}

async function load(): Promise<void> {
  let ort: typeof Ort;
  let session: Ort.InferenceSession;
  try {
    ort = (await import(data.ortUrl)) as typeof Ort;
    session = await ort.InferenceSession.create(data.model, data.sessionOptions as Ort.InferenceSession.SessionOptions);
  } catch (error) {
    post({ type: 'load-failed', error: describe(error) });
    port!.close();
    return;
  }
  serve(ort, session);
}

function serve(ort: typeof Ort, session: Ort.InferenceSession): void {
  const { inputName, outputNames, inputSize } = data;
  const perCrop = inputSize * inputSize * 3;

  async function run(id: number, count: number, input: ArrayBuffer): Promise<void> {
    try {
      const tensor = new ort.Tensor('float32', new Float32Array(input, 0, count * perCrop), [count, inputSize, inputSize, 3]);
      const results = await session.run({ [inputName]: tensor }, [...outputNames]);
      const outputs = outputNames.map((name) => transferable(name, results[name]?.data));
      post({ type: 'done', id, input, outputs }, [input, ...outputs.map((values) => values.buffer as ArrayBuffer)]);
    } catch (error) {
      post({ type: 'failed', id, input, error: describe(error) }, [input]);
    }
  }

  async function release(): Promise<void> {
    try {
      await session.release();
    } catch {
      // The thread ends next and its memory with it: a failed release changes nothing.
    }
    post({ type: 'released' });
    port!.close();
  }

  // One batch at a time, in the order sent: a batch sent while another runs waits here, ready.
  let queue = Promise.resolve();
  port!.on('message', (message: ToWorker) => {
    queue = queue.then(() => (message.type === 'run' ? run(message.id, message.count, message.input) : release()));
  });
  post({
    type: 'ready',
    model: {
      inputNames: [...session.inputNames],
      outputNames: [...session.outputNames],
      inputs: session.inputMetadata.map((info) => ({ name: info.name, isTensor: info.isTensor, ...(info.isTensor ? { shape: [...info.shape] } : {}) })),
    },
  });
}

void load();
