/**
 * Deterministic stand-ins for the tiler, the classifier replicas and ugly-duckling, served on
 * port 0 by the real grpc-js transport with the real protos and grpc.health.v1 (via grpc-kit).
 *
 * The fake tiler does not decode pixels: a "photo" is JSON (PhotoSpec) saying what the tiler
 * should report. Each crop it returns is filled with one byte that encodes the class the fake
 * classifier will predict for it, so a test decides every candidate's model class.
 */
import { Metadata, status, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { startGrpcServer, type RunningGrpcServer } from '@skinlesion/grpc-kit';
import { createLogger, REQUEST_ID_HEADER } from '@skinlesion/logger';
import { loadInferenceProto, loadTilerProto, loadUglyDucklingProto } from '@skinlesion/proto';
import { decodeRgbPng, isPng, resizeNearest } from './png.js';
import type {
  ModelInferRequest__Output,
  PatchRequest__Output,
  RenderRequest__Output,
  ScoreRequest__Output,
  TileRequest__Output,
} from '@skinlesion/proto';

export const FAKE_INPUT_SIZE = 8;
export const FAKE_EMBEDDING_SIZE = 4;
export const FAKE_MODEL = { name: 'fake-model', version: '7' };

export interface CandidateSpec {
  /** The class the fake classifier will predict, 0..5. */
  cls: number;
  /** Centre blobs in the crop (step 5's n); default 1. */
  blobs?: number;
  /** Skin fraction of the crop (step 5's s); default 0.9. */
  skin?: number;
  /** Centre blob share; default 0.1. */
  share?: number;
  /** Diameter in px; default 10 + index. */
  d?: number;
}

export interface PhotoSpec {
  blurred?: boolean;
  candidates?: CandidateSpec[];
  truncated?: boolean;
  /** Answer Tile with this gRPC status instead. */
  fail?: { code: keyof typeof status; message: string; details?: Record<string, unknown> };
  /** Never answer Tile; resolve the tiler's `cancelled` promise when the call is cancelled. */
  hang?: boolean;
}

export function photo(spec: PhotoSpec): Buffer {
  return Buffer.from(JSON.stringify(spec));
}

/** A photo with n candidates of the given classes, cycling through them. */
export function photoWith(classes: number[], n = classes.length): Buffer {
  return photo({ candidates: Array.from({ length: n }, (_, index) => ({ cls: classes[index % classes.length] })) });
}

/** Crop fill byte: class * 40 + a small per-crop offset, so crops differ but decode to a class. */
function cropByte(cls: number, index: number): number {
  return cls * 40 + (index % 40);
}

const DETAILS_KEY = 'skinlesion-error-details';

function grpcError(code: keyof typeof status, message: string, details?: Record<string, unknown>) {
  const metadata = new Metadata();
  if (details) metadata.set(DETAILS_KEY, JSON.stringify(details));
  return { code: status[code], details: message, metadata };
}

export interface CallRecord {
  method: string;
  requestId: string | undefined;
}

function record(log: CallRecord[], method: string, call: ServerUnaryCall<unknown, unknown>): void {
  const value = call.metadata.get(REQUEST_ID_HEADER)[0];
  log.push({ method, requestId: typeof value === 'string' ? value : undefined });
}

const silent = createLogger('fake', 'silent');

async function serve(name: string, definition: object, implementation: UntypedServiceImplementation): Promise<RunningGrpcServer> {
  const server = await startGrpcServer([{ name, definition: definition as never, implementation }], {
    host: '127.0.0.1',
    port: 0,
    maxMessageBytes: 64 * 1024 * 1024,
    log: silent,
  });
  server.setServing(true);
  return server;
}

export interface FakeTiler {
  server: RunningGrpcServer;
  address: string;
  calls: CallRecord[];
  renders: RenderRequest__Output[];
  /** Resolves when a hanging Tile call has started. */
  hangStarted: Promise<void>;
  /** Resolves when a hanging Tile call was cancelled (client gone or deadline). */
  cancelled: Promise<void>;
}

export async function startFakeTiler(): Promise<FakeTiler> {
  const calls: CallRecord[] = [];
  const renders: RenderRequest__Output[] = [];
  let started!: () => void;
  let cancelledResolve!: () => void;
  const hangStarted = new Promise<void>((resolve) => (started = resolve));
  const cancelled = new Promise<void>((resolve) => (cancelledResolve = resolve));

  const implementation = {
    Tile(call: ServerUnaryCall<TileRequest__Output, unknown>, callback: sendUnaryData<unknown>) {
      record(calls, 'Tile', call);
      const spec = JSON.parse(call.request.image.toString()) as PhotoSpec;
      if (spec.hang) {
        call.once('cancelled', () => cancelledResolve());
        started();
        return;
      }
      if (spec.fail) {
        callback(grpcError(spec.fail.code, spec.fail.message, spec.fail.details));
        return;
      }
      const size = call.request.cropSize;
      const candidates = spec.blurred ? [] : (spec.candidates ?? []).slice(0, call.request.maxCandidates || undefined);
      const cropBytes = size * size * 3;
      const data = Buffer.alloc(candidates.length * cropBytes);
      candidates.forEach((candidate, index) => data.fill(cropByte(candidate.cls, index), index * cropBytes, (index + 1) * cropBytes));
      callback(null, {
        width: 4000,
        height: 3000,
        blurScore: spec.blurred ? 1 : 12.5,
        blurThreshold: 3,
        blurred: spec.blurred ?? false,
        skinFraction: 0.7,
        adjustment: 'ADJUSTMENT_CLAHE',
        candidates: candidates.map((candidate, index) => {
          const x = 100 + 50 * index;
          const d = candidate.d ?? 10 + index;
          return {
            x,
            y: 200,
            diameter: d,
            x0: Math.round(x - 1.5 * d),
            y0: Math.round(200 - 1.5 * d),
            x1: Math.round(x + 1.5 * d),
            y1: Math.round(200 + 1.5 * d),
            centreBlobCount: candidate.blobs ?? 1,
            centreBlobShare: candidate.share ?? 0.1,
            cropSkinFraction: candidate.skin ?? 0.9,
          };
        }),
        crops: { count: candidates.length, height: size, width: size, channels: 3, data },
        truncated: spec.truncated ?? (spec.candidates?.length ?? 0) > candidates.length,
        timingsMs: { decode: 1.5, blobs: 2.5 },
      });
    },
    Patch(call: ServerUnaryCall<PatchRequest__Output, unknown>, callback: sendUnaryData<unknown>) {
      record(calls, 'Patch', call);
      const size = call.request.size;
      const cropBytes = size * size * 3;
      const data = Buffer.alloc(call.request.images.length * cropBytes);
      for (const [index, image] of call.request.images.entries()) {
        // A real PNG (the gateway writes one for pixel lists) is decoded and resized, so its
        // top-left pixel decides the class; any other "image" is JSON naming the class.
        if (isPng(image)) {
          data.set(resizeNearest(decodeRgbPng(image), size), index * cropBytes);
          continue;
        }
        let cls: number;
        try {
          cls = (JSON.parse(image.toString()) as { cls: number }).cls;
        } catch {
          callback(grpcError('INVALID_ARGUMENT', `image ${index} is not an image`, { image: index }));
          return;
        }
        data.fill(cropByte(cls, index), index * cropBytes, (index + 1) * cropBytes);
      }
      callback(null, { patches: { count: call.request.images.length, height: size, width: size, channels: 3, data } });
    },
    Render(call: ServerUnaryCall<RenderRequest__Output, unknown>, callback: sendUnaryData<unknown>) {
      record(calls, 'Render', call);
      renders.push(call.request);
      // A PNG signature followed by what was asked, so a test can check the marks it sent.
      const summary = { kind: call.request.kind, labels: call.request.marks.map((mark) => mark.label), maxWidth: call.request.maxWidth };
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(JSON.stringify(summary))]);
      callback(null, { png, width: 10, height: 10 });
    },
  };
  const server = await serve('skinlesion.tiler.v1.Tiler', loadTilerProto().Tiler.service, implementation);
  return { server, address: `127.0.0.1:${server.port}`, calls, renders, hangStarted, cancelled };
}

export interface FakeClassifier {
  server: RunningGrpcServer;
  address: string;
  calls: CallRecord[];
  /** Crops per ModelInfer call received, in arrival order. */
  batches: number[];
  /** Output names each ModelInfer call asked for. */
  outputs: string[][];
  /** The last ModelInfer request, as received. */
  lastInfer?: ModelInferRequest__Output;
  /** When set, ModelInfer answers with this status. */
  failInferWith?: keyof typeof status;
  /** ServerReady and ModelReady answer this; true by default. */
  ready: boolean;
  /** When set, ModelInfer answers only once it resolves: a busy replica. */
  gate?: Promise<void>;
  /** Called as each ModelInfer call arrives. */
  onInfer?: () => void;
}

function floatsLE(values: number[]): Buffer {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes;
}

/** Like the real classifier: an empty name or version means the served one. */
function servedModel(name: string, version: string): boolean {
  return (name === '' || name === FAKE_MODEL.name) && (version === '' || version === FAKE_MODEL.version);
}

/**
 * The first value of each crop decides its class (value / 40): one byte for UINT8 input, one
 * float for FP32 input (which, as for the real classifier, is already in the model's scale).
 */
export async function startFakeClassifier(): Promise<FakeClassifier> {
  const fake: FakeClassifier = { server: undefined as never, address: '', calls: [], batches: [], outputs: [], ready: true };
  const size = FAKE_INPUT_SIZE;
  const notServed = (name: string, version: string) =>
    grpcError('NOT_FOUND', `model "${name}"${version ? ` version "${version}"` : ''} is not served here; this server serves "${FAKE_MODEL.name}" version "${FAKE_MODEL.version}"`);
  const implementation = {
    ServerLive(call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) {
      record(fake.calls, 'ServerLive', call);
      callback(null, { live: true });
    },
    ServerReady(call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) {
      record(fake.calls, 'ServerReady', call);
      callback(null, { ready: fake.ready });
    },
    ModelReady(call: ServerUnaryCall<{ name: string; version: string }, unknown>, callback: sendUnaryData<unknown>) {
      record(fake.calls, 'ModelReady', call);
      callback(null, { ready: fake.ready && servedModel(call.request.name, call.request.version) });
    },
    ServerMetadata(call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) {
      record(fake.calls, 'ServerMetadata', call);
      callback(null, { name: 'fake-classifier', version: '0', extensions: [] });
    },
    ModelMetadata(call: ServerUnaryCall<{ name: string; version: string }, unknown>, callback: sendUnaryData<unknown>) {
      record(fake.calls, 'ModelMetadata', call);
      if (!servedModel(call.request.name, call.request.version)) {
        callback(notServed(call.request.name, call.request.version));
        return;
      }
      callback(null, {
        name: FAKE_MODEL.name,
        versions: [FAKE_MODEL.version],
        platform: 'fake',
        inputs: [{ name: 'input', datatype: 'UINT8', shape: [-1, size, size, 3] }],
        outputs: [
          { name: 'probabilities', datatype: 'FP32', shape: [-1, 6] },
          { name: 'embedding', datatype: 'FP32', shape: [-1, FAKE_EMBEDDING_SIZE] },
        ],
      });
    },
    ModelInfer(call: ServerUnaryCall<ModelInferRequest__Output, unknown>, callback: sendUnaryData<unknown>) {
      fake.onInfer?.();
      if (fake.gate) void fake.gate.then(() => answerInfer(call, callback));
      else answerInfer(call, callback);
    },
  };
  function answerInfer(call: ServerUnaryCall<ModelInferRequest__Output, unknown>, callback: sendUnaryData<unknown>) {
    record(fake.calls, 'ModelInfer', call);
    fake.lastInfer = call.request;
    if (fake.failInferWith) {
      callback(grpcError(fake.failInferWith, 'replica is failing'));
      return;
    }
    if (!servedModel(call.request.modelName, call.request.modelVersion)) {
      callback(notServed(call.request.modelName, call.request.modelVersion));
      return;
    }
    const input = call.request.inputs[0];
    const n = Number(input.shape[0]);
    const raw = call.request.rawInputContents[0];
    const cropValues = size * size * 3;
    const width = input.datatype === 'FP32' ? 4 : 1;
    const shapeOk = input.shape.length === 4 && input.shape.slice(1).map(Number).join() === `${size},${size},3`;
    if (input.name !== 'input' || !['UINT8', 'FP32'].includes(input.datatype) || !shapeOk || raw?.length !== n * cropValues * width) {
      callback(grpcError('INVALID_ARGUMENT', `bad input ${input.name} ${input.datatype} [${input.shape.join(', ')}]: expected UINT8 or FP32 [N, ${size}, ${size}, 3]`));
      return;
    }
    fake.batches.push(n);
    fake.outputs.push(call.request.outputs.map((output) => output.name));
    const probabilities: number[] = [];
    const embeddings: number[] = [];
    for (let row = 0; row < n; row += 1) {
      const first = width === 4 ? raw.readFloatLE(row * cropValues * 4) : raw[row * cropValues];
      const cls = Math.min(5, Math.floor(first / 40));
      for (let k = 0; k < 6; k += 1) probabilities.push(k === cls ? 0.9 : 0.02);
      for (let k = 0; k < FAKE_EMBEDDING_SIZE; k += 1) embeddings.push(((first + k) % 7) / 7);
    }
    const wanted = call.request.outputs.map((output) => output.name);
    const outputs = [
      { name: 'probabilities', datatype: 'FP32', shape: [n, 6], data: probabilities },
      { name: 'embedding', datatype: 'FP32', shape: [n, FAKE_EMBEDDING_SIZE], data: embeddings },
    ].filter((output) => wanted.length === 0 || wanted.includes(output.name));
    callback(null, {
      modelName: FAKE_MODEL.name,
      modelVersion: FAKE_MODEL.version,
      id: call.request.id,
      outputs: outputs.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
      rawOutputContents: outputs.map((output) => floatsLE(output.data)),
    });
  }
  fake.server = await serve('inference.GRPCInferenceService', loadInferenceProto().GRPCInferenceService.service, implementation);
  fake.address = `127.0.0.1:${fake.server.port}`;
  return fake;
}

export interface FakeUglyDuckling {
  server: RunningGrpcServer;
  address: string;
  calls: CallRecord[];
  requests: ScoreRequest__Output[];
}

/** Scores by diameter (min-max), ranks by score descending; fewer than 3 lesions: unranked. */
export async function startFakeUglyDuckling(): Promise<FakeUglyDuckling> {
  const calls: CallRecord[] = [];
  const requests: ScoreRequest__Output[] = [];
  const implementation = {
    Score(call: ServerUnaryCall<ScoreRequest__Output, unknown>, callback: sendUnaryData<unknown>) {
      record(calls, 'Score', call);
      requests.push(call.request);
      const { lesions } = call.request;
      if (lesions.length < 3) {
        callback(null, { ranked: false, reason: `${lesions.length} pigmented lesions; at least 3 are needed`, lesions: [] });
        return;
      }
      const diameters = lesions.map((lesion) => lesion.diameter);
      const min = Math.min(...diameters);
      const span = Math.max(...diameters) - min;
      const scores = diameters.map((d) => (span === 0 ? 0 : (d - min) / span));
      const order = scores.map((score, index) => ({ score, index })).sort((a, b) => b.score - a.score || a.index - b.index);
      const ranks = new Array<number>(lesions.length);
      order.forEach(({ index }, position) => (ranks[index] = position + 1));
      callback(null, { ranked: true, reason: '', lesions: lesions.map((lesion, index) => ({ id: lesion.id, score: scores[index], rank: ranks[index] })) });
    },
  };
  const server = await serve('skinlesion.ugly_duckling.v1.UglyDuckling', loadUglyDucklingProto().UglyDuckling.service, implementation);
  return { server, address: `127.0.0.1:${server.port}`, calls, requests };
}
