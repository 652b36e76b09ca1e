import { apiError } from './errors.js';
import { imagePart, type ImageInput } from './images.js';
import type {
  Analysis,
  ClassifyReport,
  InferRequest,
  InferResponse,
  ModelMetadata,
  PictureKind,
  PredictRequest,
  PredictResponse,
  Readiness,
  ServerMetadata,
} from './types.js';

export interface ClientOptions {
  /** The gateway's URL, e.g. http://127.0.0.1:8080. */
  readonly baseUrl: string;
  /** Defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** Sent with every request (e.g. an authorization header). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-request time limit in ms; none by default. */
  readonly timeoutMs?: number;
}

export interface CallOptions {
  /** Sent as x-request-id: the server's logs name the request by it. */
  readonly requestId?: string;
  readonly signal?: AbortSignal;
}

export interface AnalyzeOptions extends CallOptions {
  /** Apply the method's rule correction (step 5); true by default. */
  readonly correction?: boolean;
}

export interface PictureOptions extends AnalyzeOptions {
  readonly kind: PictureKind;
  /** Index of the photo to draw; 0 by default. */
  readonly photo?: number;
  /** Scale the picture down to this width; full size by default. */
  readonly maxWidth?: number;
}

export interface InferOptions extends CallOptions {
  /** A model version; the served one by default. */
  readonly version?: string;
  /**
   * Inputs sent as binary data after the JSON (binary tensor data extension), by input name:
   * their little-endian bytes. Those inputs must then have no `data`.
   */
  readonly binaryInputs?: Readonly<Record<string, Uint8Array>>;
  /** Ask for outputs as binary data: all of them (true) or the named ones. */
  readonly binaryOutputs?: boolean | readonly string[];
}

export interface PredictOptions extends CallOptions {
  readonly version?: string;
}

const INFERENCE_HEADER = 'inference-header-content-length';

/**
 * A typed client for the skinlesion REST API: the analysis and classification API, TF Serving's
 * predict and the Open Inference Protocol, and the health routes. A failed request rejects with
 * an ApiError carrying the status and, on /v1, the RFC 9457 problem.
 */
export class SkinlesionClient {
  readonly baseUrl: string;
  private readonly fetcher: typeof fetch;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly timeoutMs?: number;

  constructor(options: ClientOptions | string) {
    const resolved = typeof options === 'string' ? { baseUrl: options } : options;
    this.baseUrl = resolved.baseUrl.replace(/\/+$/, '');
    this.fetcher = resolved.fetch ?? globalThis.fetch.bind(globalThis);
    this.headers = resolved.headers ?? {};
    this.timeoutMs = resolved.timeoutMs;
  }

  /** Analyses the photos of one patient: every candidate lesion, counts, risk. */
  async analyze(photos: ImageInput | readonly ImageInput[], options: AnalyzeOptions = {}): Promise<Analysis> {
    const query = options.correction === false ? '?correction=false' : '';
    return (await this.send('POST', `/v1/analyses${query}`, options, this.form(photos))).json() as Promise<Analysis>;
  }

  /** Analyses the photos and returns one picture (PNG) of one of them. */
  async picture(photos: ImageInput | readonly ImageInput[], options: PictureOptions): Promise<Uint8Array> {
    const query = new URLSearchParams({ kind: options.kind });
    if (options.photo !== undefined) query.set('photo', String(options.photo));
    if (options.maxWidth !== undefined) query.set('maxWidth', String(options.maxWidth));
    if (options.correction === false) query.set('correction', 'false');
    const response = await this.send('POST', `/v1/analyses/picture?${query}`, options, this.form(photos));
    return new Uint8Array(await response.arrayBuffer());
  }

  /** Classifies each image as one patch (the seed's cloud variant). */
  async classify(images: ImageInput | readonly ImageInput[], options: CallOptions = {}): Promise<ClassifyReport> {
    return (await this.send('POST', '/v1/classify', options, this.form(images))).json() as Promise<ClassifyReport>;
  }

  /** TF Serving's predict: /v1/models/{model}[/versions/{version}]:predict. */
  async predict(model: string, body: PredictRequest, options: PredictOptions = {}): Promise<PredictResponse> {
    const path = `/v1/models/${encodeURIComponent(model)}${options.version ? `/versions/${encodeURIComponent(options.version)}` : ''}:predict`;
    return (await this.send('POST', path, options, JSON.stringify(body), 'application/json')).json() as Promise<PredictResponse>;
  }

  /** Open Inference Protocol inference, with the binary tensor data extension when asked for. */
  async infer(model: string, request: InferRequest, options: InferOptions = {}): Promise<InferResponse> {
    const binaryInputs = options.binaryInputs ?? {};
    const tensors: Uint8Array[] = [];
    const inputs = request.inputs.map((input) => {
      const bytes = binaryInputs[input.name];
      if (!bytes) return input;
      if (input.data !== undefined) throw new TypeError(`input "${input.name}" has both data and binary data`);
      tensors.push(bytes);
      return { ...input, parameters: { ...input.parameters, binary_data_size: bytes.byteLength } };
    });
    const binaryOutputs = options.binaryOutputs;
    const body: InferRequest = {
      ...request,
      inputs,
      ...(binaryOutputs === true ? { parameters: { ...request.parameters, binary_data_output: true } } : {}),
      ...(Array.isArray(binaryOutputs)
        ? {
            outputs: (binaryOutputs as readonly string[]).map((name) => ({
              name,
              parameters: { ...request.outputs?.find((output) => output.name === name)?.parameters, binary_data: true },
            })),
          }
        : {}),
    };
    const json = new TextEncoder().encode(JSON.stringify(body));
    const headers: Record<string, string> = {};
    let payload: BodyInit = json;
    if (tensors.length > 0) {
      headers[INFERENCE_HEADER] = String(json.byteLength);
      payload = new Blob([json, ...tensors.map((tensor) => new Uint8Array(tensor))]);
    }
    const path = `/v2/models/${encodeURIComponent(model)}${options.version ? `/versions/${encodeURIComponent(options.version)}` : ''}/infer`;
    const response = await this.send('POST', path, options, payload, tensors.length > 0 ? 'application/octet-stream' : 'application/json', headers);
    return readInferResponse(response);
  }

  serverMetadata(options: CallOptions = {}): Promise<ServerMetadata> {
    return this.getJson('/v2', options);
  }

  modelMetadata(model: string, version?: string, options: CallOptions = {}): Promise<ModelMetadata> {
    return this.getJson(`/v2/models/${encodeURIComponent(model)}${version ? `/versions/${encodeURIComponent(version)}` : ''}`, options);
  }

  /** OIP health: true on 200, false on a 4xx, as the protocol says. */
  serverLive(options: CallOptions = {}): Promise<boolean> {
    return this.truth('/v2/health/live', options);
  }

  serverReady(options: CallOptions = {}): Promise<boolean> {
    return this.truth('/v2/health/ready', options);
  }

  modelReady(model: string, version?: string, options: CallOptions = {}): Promise<boolean> {
    return this.truth(`/v2/models/${encodeURIComponent(model)}${version ? `/versions/${encodeURIComponent(version)}` : ''}/ready`, options);
  }

  /** GET /healthz: the gateway process answers. */
  live(options: CallOptions = {}): Promise<{ status: 'ok' }> {
    return this.getJson('/healthz', options);
  }

  /** GET /readyz: every backend is serving; rejects with the not-ready problem otherwise. */
  ready(options: CallOptions = {}): Promise<Readiness> {
    return this.getJson('/readyz', options);
  }

  /** The OpenAPI 3.1 document of the running gateway. */
  openapi(options: CallOptions = {}): Promise<Record<string, unknown>> {
    return this.getJson('/openapi.json', options);
  }

  private form(images: ImageInput | readonly ImageInput[]): FormData {
    const list = Array.isArray(images) ? (images as readonly ImageInput[]) : [images as ImageInput];
    const form = new FormData();
    list.forEach((image, index) => {
      const { blob, filename } = imagePart(image, index);
      form.append('image', blob, filename);
    });
    return form;
  }

  private async getJson<T>(path: string, options: CallOptions): Promise<T> {
    return (await this.send('GET', path, options)).json() as Promise<T>;
  }

  private async truth(path: string, options: CallOptions): Promise<boolean> {
    const response = await this.send('GET', path, options, undefined, undefined, {}, true);
    await response.arrayBuffer();
    if (response.ok) return true;
    if (response.status >= 400 && response.status < 500) return false;
    throw await apiError(response);
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    options: CallOptions,
    body?: BodyInit,
    contentType?: string,
    extraHeaders: Record<string, string> = {},
    acceptAnyStatus = false,
  ): Promise<Response> {
    const headers: Record<string, string> = { ...this.headers, ...extraHeaders };
    if (contentType) headers['content-type'] = contentType;
    if (options.requestId) headers['x-request-id'] = options.requestId;
    const signals = [options.signal, this.timeoutMs ? AbortSignal.timeout(this.timeoutMs) : undefined].filter((signal): signal is AbortSignal => signal !== undefined);
    const response = await this.fetcher(`${this.baseUrl}${path}`, {
      method,
      headers,
      body,
      ...(signals.length > 0 ? { signal: signals.length === 1 ? signals[0] : AbortSignal.any(signals) } : {}),
    });
    if (!response.ok && !acceptAnyStatus) throw await apiError(response);
    return response;
  }
}

/** An infer answer: JSON, or JSON then the binary outputs (binary tensor data extension). */
async function readInferResponse(response: Response): Promise<InferResponse> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const header = response.headers.get(INFERENCE_HEADER);
  const jsonLength = header === null ? bytes.byteLength : Number(header);
  const result = JSON.parse(new TextDecoder().decode(bytes.subarray(0, jsonLength))) as InferResponse;
  let offset = jsonLength;
  for (const output of result.outputs) {
    const size = output.parameters?.binary_data_size;
    if (typeof size !== 'number') continue;
    output.binary = bytes.slice(offset, offset + size);
    offset += size;
  }
  return result;
}
