import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DATATYPES, decodeValues, encodeValues, type Datatype } from '../src/domain/oip/datatypes.js';
import { fromFloat16Bits, shortestFloat32, toFloat16Bits } from '../src/domain/oip/float.js';
import { flattenData, parseInferRequest, splitInferBody } from '../src/domain/oip/infer-request.js';
import { renderInferResponse } from '../src/domain/oip/infer-response.js';
import { encodePng } from '../src/domain/png.js';
import { parsePredictRequest, pixelScale, toBytes } from '../src/domain/predict/request.js';
import { decodeRgbPng } from './support/png.js';

describe('FP16', () => {
  it('encodes the IEEE 754 half-precision values exactly, rounding to nearest even', () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff], // the largest half
      [65520, 0x7c00], // rounds up to infinity
      [1e6, 0x7c00],
      [2 ** -14, 0x0400], // the smallest normal
      [2 ** -24, 0x0001], // the smallest subnormal
      [2 ** -26, 0x0000], // below half of it
      [1 + 2 ** -11, 0x3c00], // a tie: to even (down)
      [1 + 3 * 2 ** -11, 0x3c02], // a tie: to even (up)
      [Infinity, 0x7c00],
    ];
    for (const [value, bits] of cases) expect(toFloat16Bits(value).toString(16), String(value)).toBe(bits.toString(16));
    expect(toFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
  });

  it('round-trips every half', () => {
    for (let bits = 0; bits < 0x10000; bits += 1) {
      const value = fromFloat16Bits(bits);
      if (Number.isNaN(value)) continue;
      expect(toFloat16Bits(value)).toBe(bits);
    }
  });
});

describe('shortestFloat32', () => {
  it('prints a float32 with the fewest digits that read back as it', () => {
    expect(shortestFloat32(Math.fround(0.1))).toBe(0.1);
    expect(shortestFloat32(Math.fround(0.9622))).toBe(0.9622);
    expect(shortestFloat32(Math.fround(1 / 3))).toBe(0.33333334);
    expect(shortestFloat32(0)).toBe(0);
    for (const value of [Math.fround(Math.PI), Math.fround(1e-30), Math.fround(-123456.78)]) expect(Math.fround(shortestFloat32(value))).toBe(value);
  });
});

describe('OIP tensor values', () => {
  it('round-trip through the raw little-endian form for every datatype', () => {
    const samples: Record<Datatype, unknown[]> = {
      BOOL: [true, false, true],
      UINT8: [0, 7, 255],
      UINT16: [0, 65535, 1234],
      UINT32: [0, 4294967295, 77],
      UINT64: [0, Number.MAX_SAFE_INTEGER, 5],
      INT8: [-128, 127, 0],
      INT16: [-32768, 32767, -1],
      INT32: [-2147483648, 2147483647, 42],
      INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, -3],
      FP16: [0.5, -2, 1024],
      FP32: [0.1, -1.5, 3e38],
      FP64: [0.1, -1e300, Math.PI],
      BYTES: ['', 'crop', 'é€'],
    };
    for (const datatype of DATATYPES) {
      const raw = encodeValues(datatype, samples[datatype], 'test');
      expect(decodeValues(datatype, raw, samples[datatype].length, 'test'), datatype).toEqual(samples[datatype]);
    }
    expect(Buffer.from(encodeValues('UINT16', [0x0102], 'test'))).toEqual(Buffer.from([0x02, 0x01]));
    expect(Buffer.from(encodeValues('BYTES', ['ab'], 'test'))).toEqual(Buffer.from([2, 0, 0, 0, 0x61, 0x62]));
  });

  it('refuses values the datatype cannot hold, naming the element', () => {
    expect(() => encodeValues('UINT8', [1, 2.5], 'input "x"')).toThrow(/input "x": element 1 is 2.5, but UINT8 needs an integer in 0\.\.255/);
    expect(() => encodeValues('INT8', [-129], 'x')).toThrow(/-128\.\.127/);
    expect(() => encodeValues('FP32', ['1'], 'x')).toThrow(/a finite number/);
    expect(() => encodeValues('BOOL', [1], 'x')).toThrow(/true or false/);
    expect(() => encodeValues('BYTES', [1], 'x')).toThrow(/a string/);
    expect(() => encodeValues('UINT64', [2 ** 60], 'x')).toThrow(/0\.\.9007199254740991/);
  });

  it('flattens nested data along the shape and refuses what does not fit it', () => {
    expect(flattenData([[1, 2, 3], [4, 5, 6]], [2, 3], 'x')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(flattenData([1, 2, 3, 4, 5, 6], [2, 3], 'x')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(flattenData([[[1], [2]]], [1, 2, 1], 'x')).toEqual([1, 2]);
    expect(() => flattenData([[1, 2], [3, 4, 5]], [2, 3], 'x')).toThrow(/x\.data\[0\] is a list of 2, but shape \[2, 3\] needs a list of 3 there/);
    expect(() => flattenData([1, [2], 3], [3], 'x')).toThrow(/mixes lists and values/);
    expect(() => flattenData([[[1], 2]], [1, 2], 'x')).toThrow(/x\.data\[0\]\[0\] is a list/);
    expect(() => flattenData({}, [1], 'x')).toThrow(/must be a list/);
  });
});

describe('OIP infer requests', () => {
  const json = (value: unknown) => ({ json: JSON.stringify(value), binary: new Uint8Array(0) });

  it('splits the binary extension body at Inference-Header-Content-Length', () => {
    const body = Buffer.concat([Buffer.from('{"a":1}'), Buffer.from([1, 2, 3])]);
    expect(splitInferBody(body, '7')).toEqual({ json: '{"a":1}', binary: Buffer.from([1, 2, 3]) });
    expect(splitInferBody(body, undefined).binary.byteLength).toBe(0);
    expect(() => splitInferBody(body, '-1')).toThrow(/must be a byte count/);
    expect(() => splitInferBody(body, '11')).toThrow(/only 10 bytes/);
  });

  it('reads inputs, outputs and parameters, keeping the extension\'s own parameters for itself', () => {
    const request = parseInferRequest(
      json({
        id: 'r1',
        parameters: { priority: 2, binary_data_output: true },
        inputs: [{ name: 'a', shape: [2], datatype: 'INT16', data: [1, -1], parameters: { note: 'x' } }],
        outputs: [{ name: 'p', parameters: { binary_data: false, top_k: 3 } }, { name: 'q' }],
      }),
    );
    expect(request.id).toBe('r1');
    expect(request.parameters).toEqual({ priority: 2 });
    expect(request.inputs[0]).toMatchObject({ name: 'a', datatype: 'INT16', shape: [2], parameters: { note: 'x' } });
    expect(Buffer.from(request.inputs[0].raw)).toEqual(Buffer.from([1, 0, 0xff, 0xff]));
    expect(request.outputs).toEqual([
      { name: 'p', binary: false, parameters: { top_k: 3 } },
      { name: 'q', binary: true, parameters: {} },
    ]);
  });

  it('refuses requests that are not infer requests', () => {
    expect(() => parseInferRequest(json([]))).toThrow(/JSON object/);
    expect(() => parseInferRequest(json({ inputs: [{ name: 'a', shape: [1], datatype: 'FP32' }] }))).toThrow(/neither data nor a binary_data_size/);
    expect(() => parseInferRequest(json({ inputs: [{ name: 'a', shape: [-1], datatype: 'FP32', data: [] }] }))).toThrow(/non-negative integers/);
    expect(() => parseInferRequest(json({ inputs: [{ name: 'a', shape: [1], datatype: 'FP32', data: [1] }, { name: 'a', shape: [1], datatype: 'FP32', data: [1] }] }))).toThrow(/given twice/);
    expect(() => parseInferRequest(json({ id: 7, inputs: [] }))).toThrow(/id must be a string/);
    expect(() => parseInferRequest(json({ inputs: [{ name: 'a', shape: [1], datatype: 'FP32', data: [1], parameters: { x: [1] } }] }))).toThrow(/boolean, number or string/);
  });

  it('renders outputs from raw bytes or typed contents, as JSON or binary', () => {
    const request = parseInferRequest(json({ inputs: [{ name: 'a', shape: [1], datatype: 'UINT8', data: [1] }], outputs: [{ name: 'raw', parameters: { binary_data: true } }, { name: 'typed' }] }));
    const raw = Buffer.alloc(8);
    raw.writeFloatLE(0.25, 0);
    raw.writeFloatLE(0.75, 4);
    const rendered = renderInferResponse(
      {
        modelName: 'm',
        modelVersion: '',
        id: '',
        parameters: {},
        outputs: [
          { name: 'raw', datatype: 'FP32', shape: [1, 2], parameters: {}, raw },
          { name: 'typed', datatype: 'INT32', shape: [2], parameters: {}, contents: { intContents: [4, -5], fp32Contents: [] } },
        ],
      },
      request,
    );
    expect(rendered.json).toEqual({
      model_name: 'm',
      outputs: [
        { name: 'raw', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: 8 } },
        { name: 'typed', datatype: 'INT32', shape: [2], data: [4, -5] },
      ],
    });
    expect(rendered.binary).toEqual([raw]);
    expect(() =>
      renderInferResponse({ modelName: 'm', modelVersion: '', id: '', parameters: {}, outputs: [{ name: 'typed', datatype: 'INT32', shape: [3], parameters: {}, contents: { intContents: [1] } }] }, request),
    ).toThrow(/has 1 values in its contents, shape \[3\] needs 3/);
  });
});

describe('the PNG encoder', () => {
  it('writes a PNG that decodes to the same pixels, with valid chunk CRCs', () => {
    const pixels = Uint8Array.from({ length: 5 * 3 * 3 }, (_, index) => (index * 37) % 256);
    const png = encodePng(pixels, 5, 3);
    const decoded = decodeRgbPng(png);
    expect([decoded.width, decoded.height]).toEqual([5, 3]);
    expect(Buffer.from(decoded.data)).toEqual(Buffer.from(pixels));
    for (let offset = 8; offset < png.length; ) {
      const length = png.readUInt32BE(offset);
      expect(png.readUInt32BE(offset + 8 + length)).toBe(crc32(png.subarray(offset + 4, offset + 8 + length)));
      offset += 12 + length;
    }
    expect(() => encodePng(pixels, 4, 3)).toThrow(/needs 36 bytes/);
  });
});

describe('predict requests', () => {
  it('reads row and columnar forms, pixels and encoded images', () => {
    const pixels = [[[0.5, 0.25, 1]]];
    const row = parsePredictRequest({ signature_name: 'serving_default', instances: [pixels, { b64: 'iVBORw==' }] });
    expect(row.format).toBe('row');
    expect(row.instances[0]).toMatchObject({ kind: 'pixels', height: 1, width: 1 });
    expect(row.instances[1]).toEqual({ kind: 'encoded', bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47]) });
    expect(parsePredictRequest({ inputs: [pixels] }).format).toBe('columnar');
    expect(parsePredictRequest({ inputs: { images: [pixels, pixels] } }).instances).toHaveLength(2);
    expect(() => parsePredictRequest({ inputs: { a: [pixels], b: [pixels] } })).toThrow(/names 2 tensors/);
  });

  it('decides the scale per request: 0..1 unless some value exceeds 1', () => {
    const unit = parsePredictRequest({ instances: [[[[0.5, 0.25, 1]]], [[[0, 0, 0.004]]]] });
    expect(pixelScale(unit.instances)).toBe('unit');
    expect(Array.from(toBytes(unit.instances[0] as never, 'unit'))).toEqual([128, 64, 255]);
    const bytes = parsePredictRequest({ instances: [[[[0.5, 0.25, 1]]], [[[0, 0, 2]]]] });
    expect(pixelScale(bytes.instances)).toBe('byte');
    expect(Array.from(toBytes(bytes.instances[0] as never, 'byte'))).toEqual([1, 0, 1]);
  });
});
