import { AppError } from '@skinlesion/errors';
import { describe, expect, it } from 'vitest';
import { decodeCrops, type InputRequestView, type InputTensorView } from '../src/domain/input-tensor.js';
import { designates, requireServedModel } from '../src/domain/model-ref.js';
import { selectOutputs } from '../src/domain/outputs.js';
import { float32FromLittleEndian, float32ToLittleEndian } from '../src/domain/tensor-bytes.js';

const limits = { inputSize: 2, maxItems: 5 };
const PER_CROP = 2 * 2 * 3;

function input(overrides: Partial<InputTensorView> = {}): InputTensorView {
  return { name: 'input', datatype: 'UINT8', shape: [1, 2, 2, 3], contents: null, ...overrides };
}

function request(overrides: Partial<InputTensorView> = {}, raw: Uint8Array[] = [new Uint8Array(PER_CROP)]): InputRequestView {
  return { inputs: [input(overrides)], raw };
}

function refusal(action: () => unknown): AppError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a refusal');
}

describe('decodeCrops', () => {
  it('takes UINT8 crops from raw_input_contents without copying', () => {
    const raw = new Uint8Array(3 * PER_CROP).map((_, index) => index);
    const crops = decodeCrops(request({ shape: [3, 2, 2, 3] }, [raw]), limits);
    expect(crops).toMatchObject({ datatype: 'UINT8', count: 3, size: 2 });
    expect(crops.data).toBe(raw);
  });

  it('reads little-endian FP32 from an unaligned buffer', () => {
    const values = Float32Array.from({ length: PER_CROP }, (_, index) => index / 10 - 0.5);
    const padded = new Uint8Array(values.byteLength + 1);
    padded.set(new Uint8Array(values.buffer), 1);
    const crops = decodeCrops(request({ datatype: 'FP32' }, [padded.subarray(1)]), limits);
    expect(crops.datatype).toBe('FP32');
    expect(Array.from(crops.data)).toEqual(Array.from(values));
  });

  it('takes data from contents.uint_contents and contents.fp32_contents', () => {
    const pixels = Array.from({ length: PER_CROP }, (_, index) => index * 20);
    const uint = decodeCrops(request({ contents: { uintContents: pixels, fp32Contents: [] } }, []), limits);
    expect(Array.from(uint.data)).toEqual(pixels);
    const floats = decodeCrops(request({ datatype: 'FP32', contents: { fp32Contents: pixels.map((p) => p / 255) } }, []), limits);
    expect(floats.data[1]).toBeCloseTo(20 / 255, 6);
  });

  it('says which shape it expects', () => {
    const error = refusal(() => decodeCrops(request({ shape: [1, 3, 3, 3] }), limits));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('input shape must be [N, 2, 2, 3] (N crops of 2 x 2 px, 3 channels, 1 <= N <= 5), got [1, 3, 3, 3]');
    expect(refusal(() => decodeCrops(request({ shape: [2, 2, 3] }), limits)).message).toMatch(/got \[2, 2, 3\]/);
    expect(refusal(() => decodeCrops(request({ shape: [1, 2, 2, 1] }), limits)).message).toMatch(/must be \[N, 2, 2, 3\]/);
  });

  it('bounds the number of crops', () => {
    expect(refusal(() => decodeCrops(request({ shape: [0, 2, 2, 3] }, [new Uint8Array(0)]), limits)).message).toMatch(/at least one crop/);
    const tooMany = refusal(() => decodeCrops(request({ shape: [6, 2, 2, 3] }, [new Uint8Array(6 * PER_CROP)]), limits));
    expect(tooMany.code).toBe('INVALID_ARGUMENT');
    expect(tooMany.message).toMatch(/6 crops, more than the 5 allowed/);
    expect(tooMany.details).toMatchObject({ limit: 'CLASSIFIER_MAX_ITEMS', max: 5 });
  });

  it('checks the byte length against the shape and datatype', () => {
    const short = refusal(() => decodeCrops(request({}, [new Uint8Array(PER_CROP - 1)]), limits));
    expect(short.message).toBe('raw_input_contents[0] holds 11 bytes, but UINT8 [1, 2, 2, 3] needs 12 (12 x 1)');
    const fp32 = refusal(() => decodeCrops(request({ datatype: 'FP32' }, [new Uint8Array(PER_CROP)]), limits));
    expect(fp32.message).toMatch(/needs 48 \(12 x 4\)/);
  });

  it('refuses other datatypes, input names and input counts', () => {
    expect(refusal(() => decodeCrops(request({ datatype: 'INT32' }), limits)).message).toMatch(/datatype must be UINT8 .* or FP32 .*got "INT32"/);
    expect(refusal(() => decodeCrops(request({ name: 'images' }), limits)).message).toBe('unknown input "images": the model has one input, "input"');
    expect(refusal(() => decodeCrops({ inputs: [], raw: [] }, limits)).message).toMatch(/exactly one input tensor, "input", got 0/);
    expect(refusal(() => decodeCrops({ inputs: [input(), input()], raw: [] }, limits)).message).toMatch(/got 2/);
  });

  it('refuses data in both places, in the wrong contents field, or out of range', () => {
    const both = request({ contents: { uintContents: new Array(PER_CROP).fill(1) } });
    expect(refusal(() => decodeCrops(both, limits)).message).toMatch(/not both/);
    const wrongField = request({ contents: { intContents: new Array(PER_CROP).fill(1) } }, []);
    expect(refusal(() => decodeCrops(wrongField, limits)).message).toBe('UINT8 data belongs in contents.uint_contents or raw_input_contents, got intContents');
    const count = request({ contents: { uintContents: [1, 2] } }, []);
    expect(refusal(() => decodeCrops(count, limits)).message).toMatch(/holds 2 values, but UINT8 \[1, 2, 2, 3\] needs 12/);
    const big = request({ contents: { uintContents: [...new Array(PER_CROP - 1).fill(0), 256] } }, []);
    expect(refusal(() => decodeCrops(big, limits)).message).toMatch(/0..255, got 256 at index 11/);
    const nan = request({ datatype: 'FP32', contents: { fp32Contents: [...new Array(PER_CROP - 1).fill(0), Number.NaN] } }, []);
    expect(refusal(() => decodeCrops(nan, limits)).message).toMatch(/finite, got NaN at index 11/);
    const twoRaw = request({}, [new Uint8Array(PER_CROP), new Uint8Array(PER_CROP)]);
    expect(refusal(() => decodeCrops(twoRaw, limits)).message).toMatch(/one entry per input/);
  });
});

describe('selectOutputs', () => {
  it('returns every output by default and the requested ones in request order', () => {
    expect(selectOutputs([])).toEqual(['probabilities', 'embedding']);
    expect(selectOutputs(['embedding'])).toEqual(['embedding']);
    expect(selectOutputs(['embedding', 'probabilities'])).toEqual(['embedding', 'probabilities']);
  });

  it('refuses unknown and repeated outputs', () => {
    const unknown = refusal(() => selectOutputs(['probabilities', 'logits']));
    expect(unknown.code).toBe('INVALID_ARGUMENT');
    expect(unknown.message).toBe('unknown output "logits": the model\'s outputs are "probabilities", "embedding"');
    expect(refusal(() => selectOutputs(['embedding', 'embedding'])).message).toMatch(/more than once/);
  });
});

describe('requireServedModel', () => {
  const served = { name: 'tiny', version: '3' };

  it('accepts the served name or empty, with the served version or none', () => {
    expect(designates(served, '', '')).toBe(true);
    expect(designates(served, 'tiny', '3')).toBe(true);
    expect(designates(served, '', '3')).toBe(true);
    expect(designates(served, 'tiny', '2')).toBe(false);
    expect(() => requireServedModel(served, 'tiny', '')).not.toThrow();
  });

  it('answers NOT_FOUND naming the model it serves', () => {
    const error = refusal(() => requireServedModel(served, 'vgg16', ''));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe('model "vgg16" is not served here; this server serves "tiny" version "3"');
    expect(refusal(() => requireServedModel(served, '', '9')).message).toMatch(/^model "tiny" version "9" is not served/);
  });
});

describe('float32 little-endian bytes', () => {
  it('round-trips and matches the IEEE 754 encoding', () => {
    const values = new Float32Array([1, -2.5, 0.1]);
    const bytes = float32ToLittleEndian(values);
    // 1.0f = 0x3f800000, stored least significant byte first.
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x00, 0x00, 0x80, 0x3f]);
    expect(Array.from(float32FromLittleEndian(bytes))).toEqual(Array.from(values));
    expect(() => float32FromLittleEndian(new Uint8Array(5))).toThrow(RangeError);
  });
});
