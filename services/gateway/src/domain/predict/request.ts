import { InvalidArgumentError } from '@skinlesion/errors';

/**
 * The TensorFlow Serving / AI Platform predict request, as the seed's client sent it:
 * `{"signature_name": "serving_default", "instances": [H x W x 3 nested lists]}` (row format) or
 * `{"inputs": ...}` (columnar format); an image may also travel encoded, as `{"b64": "..."}`.
 */

/** The only signature the served model has; TF Serving's default name. */
export const SIGNATURE_NAME = 'serving_default';

/** One instance: pixel values as numbers (not yet scaled), or an encoded image. */
export type PredictInstance =
  | { readonly kind: 'pixels'; readonly height: number; readonly width: number; readonly values: Float32Array }
  | { readonly kind: 'encoded'; readonly bytes: Buffer };

export interface PredictRequest {
  /** row: `instances` in, `predictions` out; columnar: `inputs` in, `outputs` out. */
  readonly format: 'row' | 'columnar';
  readonly instances: readonly PredictInstance[];
}

/** How the numbers of a request map to 8-bit pixels. */
export type PixelScale = 'unit' | 'byte';

// Standard or URL-safe base64, padded or not (TF Serving's clients send either).
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeBase64(value: unknown, where: string): Buffer {
  if (typeof value !== 'string' || !BASE64.test(value)) throw invalid(`${where}.b64 must be a base64 string`);
  const bytes = Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
  if (bytes.length === 0) throw invalid(`${where}.b64 is empty`);
  return bytes;
}

/** [H][W][3] numbers, every row the same width; returns the values row-major. */
function readPixels(value: unknown[], where: string): PredictInstance {
  const height = value.length;
  const first = value[0];
  const width = Array.isArray(first) ? first.length : 0;
  if (height === 0 || width === 0) throw invalid(`${where} must be an image: [height][width][3] numbers`);
  const values = new Float32Array(height * width * 3);
  let next = 0;
  for (let y = 0; y < height; y += 1) {
    const row = value[y];
    if (!Array.isArray(row) || row.length !== width) {
      throw invalid(`${where}[${y}] must be a row of ${width} pixels like the first row, got ${Array.isArray(row) ? row.length : typeof row}`);
    }
    for (let x = 0; x < width; x += 1) {
      const pixel = row[x];
      if (!Array.isArray(pixel) || pixel.length !== 3) {
        throw invalid(`${where}[${y}][${x}] must be one RGB pixel, [r, g, b]; got ${JSON.stringify(pixel)?.slice(0, 40)}`);
      }
      for (let c = 0; c < 3; c += 1) {
        const channel = pixel[c];
        if (typeof channel !== 'number' || !Number.isFinite(channel) || channel < 0 || channel > 255) {
          throw invalid(`${where}[${y}][${x}][${c}] is ${JSON.stringify(channel)}: pixel values must be 0..1 or 0..255`);
        }
        values[next] = channel;
        next += 1;
      }
    }
  }
  return { kind: 'pixels', height, width, values };
}

function readInstance(value: unknown, where: string): PredictInstance {
  if (Array.isArray(value)) return readPixels(value, where);
  if (isObject(value)) {
    if ('b64' in value) return { kind: 'encoded', bytes: decodeBase64(value.b64, where) };
    // A named input, {"<input name>": image}: the model has one input, so any name is it.
    const keys = Object.keys(value);
    if (keys.length === 1) return readInstance(value[keys[0]], `${where}.${keys[0]}`);
  }
  throw invalid(`${where} must be an image as [height][width][3] numbers or {"b64": "<encoded image>"}`);
}

/** The single input's batch in columnar form: the list itself, or the one named entry of an object. */
function columnarBatch(inputs: unknown): unknown[] {
  if (Array.isArray(inputs)) return inputs;
  if (isObject(inputs)) {
    const keys = Object.keys(inputs);
    if (keys.length === 1 && Array.isArray(inputs[keys[0]])) return inputs[keys[0]] as unknown[];
    if (keys.length !== 1) throw invalid(`inputs names ${keys.length} tensors, but the model has one input`);
  }
  throw invalid('inputs must be a list of images (the batch) or {"<input name>": [images]}');
}

/** Checks a predict body and reads its instances; every refusal says what was expected. */
export function parsePredictRequest(body: unknown): PredictRequest {
  if (!isObject(body)) throw invalid('the request must be a JSON object with "instances" or "inputs"');
  const signature = body.signature_name;
  if (signature !== undefined && signature !== SIGNATURE_NAME) {
    throw invalid(`signature_name ${JSON.stringify(signature)} is not served; the model's only signature is "${SIGNATURE_NAME}"`);
  }
  const hasInstances = body.instances !== undefined;
  const hasInputs = body.inputs !== undefined;
  if (hasInstances === hasInputs) throw invalid('send exactly one of "instances" (row format) or "inputs" (columnar format)');

  const format = hasInstances ? 'row' : 'columnar';
  const batch = hasInstances ? body.instances : columnarBatch(body.inputs);
  const key = hasInstances ? 'instances' : 'inputs';
  if (!Array.isArray(batch) || batch.length === 0) throw invalid(`${key} must be a non-empty list of images`);
  return { format, instances: batch.map((instance, index) => readInstance(instance, `${key}[${index}]`)) };
}

/**
 * Decides the scale of a request's numbers: 0..1 (the seed's client sent x / 255) unless some
 * value exceeds 1, then 0..255. One decision per request, so every image of a batch is read
 * the same way; a 0..255 image whose values are all <= 1 (all but black) is the one case this
 * reads wrongly, and it carries no picture anyway.
 */
export function pixelScale(instances: readonly PredictInstance[]): PixelScale {
  for (const instance of instances) {
    if (instance.kind !== 'pixels') continue;
    for (let index = 0; index < instance.values.length; index += 1) if (instance.values[index] > 1) return 'byte';
  }
  return 'unit';
}

/** 8-bit RGB pixels of a numeric instance, rounded to nearest. */
export function toBytes(instance: Extract<PredictInstance, { kind: 'pixels' }>, scale: PixelScale): Uint8Array {
  const factor = scale === 'unit' ? 255 : 1;
  const bytes = new Uint8Array(instance.values.length);
  for (let index = 0; index < bytes.length; index += 1) bytes[index] = Math.min(255, Math.round(instance.values[index] * factor));
  return bytes;
}
