import { AppError, UnavailableError } from '@skinlesion/errors';
import { callUnary, type ReplicaPool, type UnaryCallOptions } from '@skinlesion/grpc-kit';
import type { GRPCInferenceServiceClient, ModelInferResponse__Output } from '@skinlesion/proto';
import { CLASS_COUNT } from '../domain/classes.js';
import { EMBEDDING_TENSOR, INPUT_TENSOR, parseModelMetadata, PROBABILITIES_TENSOR, type ModelInfo } from '../domain/model-info.js';
import { chunkRanges, gatherItems, readFloat32LE } from '../domain/tensors.js';
import type { GatewayMetrics } from '../metrics.js';
import type { RequestScope } from '../plugins/request-context.js';
import { mapBounded } from '../util/concurrency.js';
import { upstreamError } from './upstream.js';

export interface ClassifierOptions {
  /** Sent as model_name; empty lets the classifier use its default model. */
  readonly modelName: string;
  /** Crops per ModelInfer call. */
  readonly chunkSize: number;
  readonly metrics: GatewayMetrics;
}

export interface Classification {
  /** [N, 6] row-major. */
  readonly probabilities: Float32Array;
  /** [N, D] row-major, when asked for. */
  readonly embeddings?: Float32Array;
}

/** The unary methods of GRPCInferenceService, with their request and response types. */
export type OipMethod = 'ServerLive' | 'ServerReady' | 'ServerMetadata' | 'ModelReady' | 'ModelMetadata' | 'ModelInfer';
export type OipRequest<M extends OipMethod> = Parameters<typeof callUnary<GRPCInferenceServiceClient, M>>[2];
export type OipResponse<M extends OipMethod> = ReturnType<typeof callUnary<GRPCInferenceServiceClient, M>> extends Promise<infer R> ? R : never;

/** The model's metadata is re-read this often (ms), so a new version shows within a minute. */
const METADATA_TTL_MS = 60_000;

/** Codes after which the model the gateway remembers may no longer be the one being served. */
const STALE_MODEL_CODES = new Set(['INVALID_ARGUMENT', 'FAILED_PRECONDITION', 'NOT_FOUND']);

/**
 * The classifier replicas seen as one model: its metadata (cached for a minute, re-read at once
 * after a failure or a sign that the model changed) and batched inference spread over them.
 */
export class Classifier {
  private model?: { readonly info: Promise<ModelInfo>; readonly fetchedAt: number };

  constructor(
    private readonly pool: ReplicaPool<GRPCInferenceServiceClient>,
    private readonly options: ClassifierOptions,
  ) {}

  /** Crops per ModelInfer call. */
  get chunkSize(): number {
    return this.options.chunkSize;
  }

  /** Calls in flight per request: two per replica keeps each busy while the other answer travels. */
  get concurrency(): number {
    return 2 * this.pool.size;
  }

  /** The served model's name, version, input size S and embedding width D. */
  info(scope: RequestScope): Promise<ModelInfo> {
    const cached = this.model;
    if (cached && performance.now() - cached.fetchedAt < METADATA_TTL_MS) return cached.info;
    // Shared by concurrent requests, so not tied to one request's cancellation; its deadline is
    // the first asker's.
    const info = this.pool
      .run((client, replica) =>
        this.counted(replica, callUnary(client, 'ModelMetadata', { name: this.options.modelName }, { deadline: scope.deadline, requestId: scope.requestId })),
      )
      .then((metadata) => parseModelMetadata(metadata))
      .catch((error: unknown) => {
        if (this.model?.info === info) this.model = undefined;
        throw upstreamError(error, 'classifier', false);
      });
    this.model = { info, fetchedAt: performance.now() };
    return info;
  }

  /**
   * Classifies `count` crops of S x S x 3 bytes stored as consecutive segments (e.g. one per
   * photo): near-equal chunks of at most `chunkSize` crops, at least as many as the calls in
   * flight allowed (so that one photo's crops keep every replica busy), go out concurrently
   * through the replica pool, and the answers are stitched back in crop order.
   */
  async classify(model: ModelInfo, segments: readonly Uint8Array[], count: number, scope: RequestScope, withEmbeddings: boolean): Promise<Classification> {
    const cropBytes = model.inputSize * model.inputSize * 3;
    const ranges = chunkRanges(count, this.options.chunkSize, this.concurrency);
    const parts = await mapBounded(ranges, this.concurrency, scope.signal, ([start, end], index, signal) =>
      this.infer(model, gatherItems(segments, cropBytes, start, end), end - start, { ...scope, signal }, withEmbeddings, `${scope.requestId}/${index}`),
    );
    const probabilities = new Float32Array(count * CLASS_COUNT);
    const embeddings = withEmbeddings ? new Float32Array(count * model.embeddingSize) : undefined;
    ranges.forEach(([start], index) => {
      probabilities.set(parts[index].probabilities, start * CLASS_COUNT);
      if (embeddings) embeddings.set(parts[index].embeddings as Float32Array, start * model.embeddingSize);
    });
    return { probabilities, embeddings };
  }

  /** One ModelInfer call of `count` crops on the least busy replica (retried on another one). */
  async infer(model: ModelInfo, crops: Uint8Array, count: number, scope: RequestScope, withEmbeddings: boolean, id: string): Promise<Classification> {
    const size = model.inputSize;
    const outputs = [{ name: PROBABILITIES_TENSOR }, ...(withEmbeddings ? [{ name: EMBEDDING_TENSOR }] : [])];
    const request = {
      modelName: this.options.modelName,
      id,
      inputs: [{ name: INPUT_TENSOR, datatype: 'UINT8', shape: [count, size, size, 3] }],
      outputs,
      rawInputContents: [crops],
    };
    this.options.metrics.classifierBatchSize.observe(count);
    let response: ModelInferResponse__Output;
    try {
      response = await this.pool.run(async (client, replica) => {
        const answer = await this.counted(replica, callUnary(client, 'ModelInfer', request, scope));
        this.options.metrics.classifierCrops.inc({ replica }, count);
        return answer;
      });
    } catch (error) {
      if (error instanceof AppError && STALE_MODEL_CODES.has(error.code)) this.model = undefined;
      throw upstreamError(error, 'classifier', false);
    }
    return {
      probabilities: outputTensor(response, PROBABILITIES_TENSOR, count, CLASS_COUNT),
      embeddings: withEmbeddings ? outputTensor(response, EMBEDDING_TENSOR, count, model.embeddingSize) : undefined,
    };
  }

  /**
   * One unary call of the Open Inference Protocol on the least busy replica, counted per
   * replica. An answer `usable` rejects counts as that replica being unavailable, so the next
   * one is tried (e.g. ServerReady false from a replica still loading its model).
   */
  call<M extends OipMethod>(
    method: M,
    request: OipRequest<M>,
    scope: UnaryCallOptions,
    usable: (answer: OipResponse<M>) => boolean = () => true,
  ): Promise<OipResponse<M>> {
    return this.pool.run(async (client, replica) => {
      const answer = await this.counted(replica, callUnary(client, method, request, scope));
      if (!usable(answer)) throw new UnavailableError(`classifier ${replica} answered ${method} with ${JSON.stringify(answer)}`);
      return answer;
    });
  }

  private async counted<T>(replica: string, call: Promise<T>): Promise<T> {
    try {
      const value = await call;
      this.options.metrics.classifierCalls.inc({ replica, code: 'OK' });
      return value;
    } catch (error) {
      this.options.metrics.classifierCalls.inc({ replica, code: error instanceof AppError ? error.code : 'UNKNOWN' });
      throw error;
    }
  }
}

/**
 * One FP32 [rows, width] output, from raw_output_contents (how this project's classifier and
 * Triton answer) or from typed contents (allowed by the protocol), checked against its shape.
 */
export function outputTensor(response: ModelInferResponse__Output, name: string, rows: number, width: number): Float32Array {
  const index = response.outputs.findIndex((output) => output.name === name);
  const fault = (why: string) => new AppError('INTERNAL', `the classifier's "${name}" output ${why}`, { service: 'classifier' });
  if (index < 0) throw fault('is missing');
  const output = response.outputs[index];
  if (output.datatype !== 'FP32') throw fault(`has datatype ${output.datatype}, expected FP32`);
  const shape = output.shape.map(Number);
  if (shape.length !== 2 || shape[0] !== rows || shape[1] !== width) throw fault(`has shape [${shape.join(', ')}], expected [${rows}, ${width}]`);
  const raw = response.rawOutputContents[index];
  if (raw !== undefined && response.rawOutputContents.length > 0) {
    try {
      return readFloat32LE(raw, rows * width);
    } catch (error) {
      throw fault((error as Error).message);
    }
  }
  const values = output.contents?.fp32Contents ?? [];
  if (values.length !== rows * width) throw fault(`has ${values.length} values, expected ${rows * width}`);
  return Float32Array.from(values);
}
