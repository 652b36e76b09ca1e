import { makeWidefieldPhoto, type SynthPhoto } from '@skinlesion/synth';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../src/index.js';
import { blackPngBomb, withJpegSize, withPngSize } from './support/formats.js';
import { postParts, postRaw, rawExchange, send, type Outcome, type Part, type ProblemBody } from './support/http.js';
import { markdownTable, writeReport } from './support/report.js';
import sharp from 'sharp';
import { deadProcesses, gateway5xx, readiness, startTestStack } from './support/stack.js';

/** Small limits, so that exceeding them costs kilobytes, not the 25 MB default. */
const MAX_PHOTOS = 3;
const MAX_UPLOAD_BYTES = 256 * 1024; // 256 KiB
/** The tiler's default pixel limit (TILER_MAX_PIXELS), left as shipped: the bombs test it. */
const MAX_PIXELS = 50_000_000;

interface Analysis {
  photos: Array<{ width: number; height: number; blurred: boolean; candidates: number }>;
  lesions: Array<{ x: number; y: number; diameter: number; class: string; photo: number }>;
}

interface Fixtures {
  photo: SynthPhoto;
  png: Buffer;
  jpeg: Buffer;
  webp: Buffer;
  tiff: Buffer;
  reference: Analysis;
}

/** What a case may answer: a status and, for a problem, its kind (the type URI's last segment). */
interface Answer {
  readonly status: number;
  readonly problem?: string;
}

interface Case {
  readonly input: string;
  readonly send: (url: string, fx: Fixtures) => Promise<Outcome>;
  /** The one answer expected (or, where the bytes decide, the few acceptable ones). */
  readonly expect: Answer | readonly Answer[];
  /** Further checks of the answer against the fixtures. */
  readonly check?: (outcome: Outcome, fx: Fixtures) => void;
}

const MiB = 1024 * 1024;
const ANALYSES = '/v1/analyses';
const CLASSIFY = '/v1/classify';

function part(bytes: Uint8Array, type: string, extra: Partial<Part> = {}): Part {
  return { bytes, type, ...extra };
}

/** Deterministic bytes (xorshift32), so a failure reproduces. */
function noise(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

/** The bytes with a run of 64 deterministic garbage bytes written over the middle. */
function corrupted(bytes: Uint8Array): Buffer {
  const out = Buffer.from(bytes);
  noise(64, 7).copy(out, Math.floor(out.length / 2));
  return out;
}

function truncated(bytes: Uint8Array, share: number): Buffer {
  return Buffer.from(bytes.subarray(0, Math.floor(bytes.length * share)));
}

/** A multipart body written by hand: `parts` raw, then the closing boundary unless cut. */
function handMadeMultipart(boundary: string, parts: readonly { headers: string; body: Uint8Array }[], close: boolean): Buffer {
  const chunks: Buffer[] = [];
  for (const { headers, body } of parts) chunks.push(Buffer.from(`--${boundary}\r\n${headers}\r\n\r\n`), Buffer.from(body), Buffer.from('\r\n'));
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** The 400-megapixel PNG bomb, made once: deflating its 50 MB of rows takes a few hundred ms. */
let bomb: Buffer | undefined;
function pngBomb(): Buffer {
  bomb ??= blackPngBomb(20_000, 20_000);
  return bomb;
}

function analysisOf(outcome: Outcome): Analysis {
  return outcome.body as Analysis;
}

/** Every candidate of `a` has one in `b` within 1.5 px and vice versa, with the same class. */
function sameCandidates(a: Analysis, b: Analysis): void {
  expect(a.lesions.length).toBe(b.lesions.length);
  for (const lesion of a.lesions) {
    const twin = b.lesions.find((other) => Math.hypot(other.x - lesion.x, other.y - lesion.y) <= 1.5);
    expect(twin, `candidate at (${lesion.x}, ${lesion.y})`).toBeDefined();
    expect(twin?.class).toBe(lesion.class);
  }
}

/** Share of the planted lesions (in display coordinates) with a candidate centre within their radius. */
function foundShare(analysis: Analysis, planted: readonly { x: number; y: number; diameter: number }[]): number {
  const found = planted.filter((truth) => analysis.lesions.some((lesion) => Math.hypot(lesion.x - truth.x, lesion.y - truth.y) <= truth.diameter / 2));
  return found.length / planted.length;
}

const CASES: readonly Case[] = [
  // --- not an image, or an empty one -----------------------------------------------------
  { input: 'text bytes sent as image/jpeg (raw body)', send: (url) => postRaw(url, ANALYSES, 'hello, I am not a photo', 'image/jpeg'), expect: { status: 400, problem: 'invalid-image' } },
  { input: '64 KiB of random bytes as a multipart part', send: (url) => postParts(url, ANALYSES, [part(noise(64 * 1024, 1), 'application/octet-stream')]), expect: { status: 400, problem: 'invalid-image' } },
  { input: 'zero-byte raw body (image/png)', send: (url) => postRaw(url, ANALYSES, new Uint8Array(0), 'image/png'), expect: { status: 400, problem: 'empty-image' } },
  { input: 'zero-byte multipart part', send: (url) => postParts(url, ANALYSES, [part(new Uint8Array(0), 'image/jpeg')]), expect: { status: 400, problem: 'empty-image' } },
  { input: 'GIF image (format refused)', send: async (url, fx) => postParts(url, ANALYSES, [part(await sharp(fx.png).gif().toBuffer(), 'application/octet-stream')]), expect: { status: 400, problem: 'invalid-image' } },
  {
    input: 'SVG document declared image/png',
    send: (url) => postRaw(url, ANALYSES, '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64"/></svg>', 'image/png'),
    expect: { status: 400, problem: 'invalid-image' },
  },
  // --- truncated and corrupt files of each accepted format -------------------------------
  ...(['jpeg', 'png', 'webp', 'tiff'] as const).flatMap((format): Case[] => [
    { input: `${format.toUpperCase()} cut to its first 64 bytes`, send: (url, fx) => postParts(url, ANALYSES, [part(Buffer.from(fx[format].subarray(0, 64)), `image/${format}`)]), expect: { status: 400, problem: 'invalid-image' } },
    { input: `${format.toUpperCase()} truncated at 50 %`, send: (url, fx) => postParts(url, ANALYSES, [part(truncated(fx[format], 0.5), `image/${format}`)]), expect: { status: 400, problem: 'invalid-image' } },
    { input: `${format.toUpperCase()} truncated at 95 %`, send: (url, fx) => postParts(url, ANALYSES, [part(truncated(fx[format], 0.95), `image/${format}`)]), expect: { status: 400, problem: 'invalid-image' } },
    {
      input: `${format.toUpperCase()} with 64 garbage bytes in the middle`,
      send: (url, fx) => postParts(url, ANALYSES, [part(corrupted(fx[format]), `image/${format}`)]),
      // Compressed data may still decode (JPEG has no checksum): then it must be a full analysis.
      expect: [{ status: 400, problem: 'invalid-image' }, { status: 200 }],
      check: (outcome, fx) => {
        if (outcome.status === 200) expect(analysisOf(outcome).photos[0]).toMatchObject({ width: fx.photo.width, height: fx.photo.height });
      },
    },
  ]),
  // --- wrong or missing Content-Type ---------------------------------------------------------
  {
    input: 'JPEG bytes declared image/png (raw body)',
    send: (url, fx) => postRaw(url, ANALYSES, fx.jpeg, 'image/png'),
    expect: { status: 200 },
    check: (outcome, fx) => expect(analysisOf(outcome).photos[0]).toMatchObject({ width: fx.photo.width, height: fx.photo.height }),
  },
  {
    input: 'PNG bytes in a part declared image/webp',
    send: (url, fx) => postParts(url, ANALYSES, [part(fx.png, 'image/webp')]),
    expect: { status: 200 },
    check: (outcome, fx) => sameCandidates(analysisOf(outcome), fx.reference),
  },
  { input: 'JSON body declared text/plain', send: (url) => postRaw(url, ANALYSES, '{"image":"aGVsbG8="}', 'text/plain'), expect: { status: 415, problem: 'unsupported-media-type' } },
  { input: 'JSON body declared application/json', send: (url) => postRaw(url, ANALYSES, '{"image":"aGVsbG8="}', 'application/json'), expect: { status: 415, problem: 'unsupported-media-type' } },
  { input: 'multipart part declared image/heic', send: (url, fx) => postParts(url, ANALYSES, [part(fx.jpeg, 'image/heic')]), expect: { status: 415, problem: 'unsupported-media-type' } },
  // --- odd but valid images ----------------------------------------------------------------------
  {
    input: '1x1 PNG',
    send: async (url) => postParts(url, ANALYSES, [part(await sharp({ create: { width: 1, height: 1, channels: 3, background: '#c89678' } }).png().toBuffer(), 'image/png')]),
    // Below one megapixel the blur threshold is 0 (pipeline.md step 0): analysed, nothing found.
    expect: { status: 200 },
    check: (outcome) => expect(analysisOf(outcome).photos[0]).toMatchObject({ width: 1, height: 1, candidates: 0 }),
  },
  {
    input: '1x1 PNG to /v1/classify',
    send: async (url) => postParts(url, CLASSIFY, [part(await sharp({ create: { width: 1, height: 1, channels: 3, background: '#c89678' } }).png().toBuffer(), 'image/png')]),
    expect: { status: 200 },
  },
  {
    input: '1x20000 PNG strip (aspect ratio 20000:1)',
    send: async (url) => postParts(url, ANALYSES, [part(await sharp({ create: { width: 1, height: 20000, channels: 3, background: '#c89678' } }).png().toBuffer(), 'image/png')]),
    expect: { status: 200 },
    check: (outcome) => expect(analysisOf(outcome).photos[0]).toMatchObject({ width: 1, height: 20000, candidates: 0 }),
  },
  {
    input: '20000x1 JPEG strip',
    send: async (url) => postParts(url, ANALYSES, [part(await sharp({ create: { width: 20000, height: 1, channels: 3, background: '#c89678' } }).jpeg().toBuffer(), 'image/jpeg')]),
    expect: { status: 200 },
    check: (outcome) => expect(analysisOf(outcome).photos[0]).toMatchObject({ width: 20000, height: 1, candidates: 0 }),
  },
  {
    input: '16-bit RGB PNG',
    send: async (url, fx) => postParts(url, ANALYSES, [part(await sharp(fx.png).toColourspace('rgb16').png().toBuffer(), 'image/png')]),
    expect: { status: 200 },
    check: (outcome, fx) => sameCandidates(analysisOf(outcome), fx.reference),
  },
  {
    input: 'PNG with an alpha channel (opaque)',
    send: async (url, fx) => postParts(url, ANALYSES, [part(await sharp(fx.png).ensureAlpha(1).png().toBuffer(), 'image/png')]),
    expect: { status: 200 },
    check: (outcome, fx) => sameCandidates(analysisOf(outcome), fx.reference),
  },
  {
    input: 'PNG with an alpha channel (half transparent)',
    send: async (url, fx) => postParts(url, ANALYSES, [part(await sharp(fx.png).ensureAlpha(0.5).png().toBuffer(), 'image/png')]),
    expect: { status: 200 },
    check: (outcome, fx) => expect(analysisOf(outcome).photos[0]).toMatchObject({ width: fx.photo.width, height: fx.photo.height }),
  },
  {
    input: 'greyscale PNG',
    send: async (url, fx) => postParts(url, ANALYSES, [part(await sharp(fx.png).greyscale().png().toBuffer(), 'image/png')]),
    expect: { status: 200 },
    check: (outcome, fx) => expect(analysisOf(outcome).photos[0]).toMatchObject({ width: fx.photo.width, height: fx.photo.height }),
  },
  {
    input: 'CMYK JPEG',
    send: async (url, fx) => postParts(url, ANALYSES, [part(await sharp(fx.png).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer(), 'image/jpeg')]),
    expect: { status: 200 },
    check: (outcome, fx) => {
      const analysis = analysisOf(outcome);
      expect(analysis.photos[0]).toMatchObject({ width: fx.photo.width, height: fx.photo.height });
      // Converted back to sRGB, the lesions are where they were.
      expect(foundShare(analysis, fx.photo.lesions)).toBeGreaterThanOrEqual(0.8);
    },
  },
  {
    input: 'JPEG with EXIF orientation 6 (rotate 90° clockwise)',
    send: async (url, fx) => postParts(url, ANALYSES, [part(await sharp(fx.png).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer(), 'image/jpeg')]),
    expect: { status: 200 },
    check: (outcome, fx) => {
      const analysis = analysisOf(outcome);
      // The analysis is in the displayed frame: sides swapped, a stored pixel (x, y) of a
      // W x H photo shown at (H - 1 - y, x).
      expect(analysis.photos[0]).toMatchObject({ width: fx.photo.height, height: fx.photo.width });
      const rotated = fx.photo.lesions.map((lesion) => ({ x: fx.photo.height - 1 - lesion.y, y: lesion.x, diameter: lesion.diameter }));
      expect(foundShare(analysis, rotated)).toBeGreaterThanOrEqual(0.8);
      expect(foundShare(analysis, fx.photo.lesions)).toBeLessThan(foundShare(analysis, rotated));
    },
  },
  // --- decompression bombs: refused from the header, before any pixel is decoded --------------
  {
    input: 'PNG bomb: 20000x20000 px (400 MP, 1.2 GB as RGB) in a 49 KB file',
    send: (url) => postParts(url, ANALYSES, [part(pngBomb(), 'image/png')]),
    expect: { status: 422, problem: 'limit-exceeded' },
    check: (outcome) => {
      const body = outcome.body as ProblemBody;
      expect(pngBomb().length).toBeLessThan(64 * 1024);
      expect(body).toMatchObject({ limit: 'TILER_MAX_PIXELS', max: MAX_PIXELS, pixels: 20_000 * 20_000 });
      expect(body.detail).toMatch(/pixels/);
      expect(outcome.ms).toBeLessThan(2_000);
    },
  },
  {
    input: 'PNG bomb to /v1/classify',
    send: (url) => postParts(url, CLASSIFY, [part(pngBomb(), 'image/png')]),
    expect: { status: 422, problem: 'limit-exceeded' },
    check: (outcome) => expect(outcome.ms).toBeLessThan(2_000),
  },
  {
    input: 'JPEG whose header claims 60000x60000 px',
    send: (url, fx) => postParts(url, ANALYSES, [part(withJpegSize(fx.jpeg, 60_000, 60_000), 'image/jpeg')]),
    expect: { status: 422, problem: 'limit-exceeded' },
    check: (outcome) => expect(outcome.ms).toBeLessThan(2_000),
  },
  {
    input: 'PNG whose IHDR claims 2^31-1 x 2^31-1 px',
    send: (url, fx) => postParts(url, ANALYSES, [part(withPngSize(fx.png, 2 ** 31 - 1, 2 ** 31 - 1), 'image/png')]),
    // The PNG reader refuses a header this large outright, before the pixel limit is reached.
    expect: { status: 400, problem: 'invalid-image' },
  },
  // --- request limits (MAX_PHOTOS, MAX_UPLOAD_BYTES, multipart parts) ---------------------------
  {
    input: `${MAX_PHOTOS + 1} photos (MAX_PHOTOS=${MAX_PHOTOS})`,
    send: (url, fx) => postParts(url, ANALYSES, Array.from({ length: MAX_PHOTOS + 1 }, () => part(fx.jpeg, 'image/jpeg'))),
    expect: { status: 413, problem: 'too-many-photos' },
    check: (outcome) => expect(outcome.body).toMatchObject({ limit: 'MAX_PHOTOS', max: MAX_PHOTOS }),
  },
  {
    input: `photo of 1 MiB (MAX_UPLOAD_BYTES=${MAX_UPLOAD_BYTES})`,
    send: (url) => postParts(url, ANALYSES, [part(noise(MiB, 3), 'image/jpeg')]),
    expect: { status: 413, problem: 'photo-too-large' },
    check: (outcome) => expect(outcome.body).toMatchObject({ limit: 'MAX_UPLOAD_BYTES', max: MAX_UPLOAD_BYTES }),
  },
  {
    input: 'raw body of 1 MiB (image/jpeg)',
    send: (url) => postRaw(url, ANALYSES, noise(MiB, 4), 'image/jpeg'),
    expect: { status: 413, problem: 'photo-too-large' },
    check: (outcome) => expect(outcome.body).toMatchObject({ limit: 'MAX_UPLOAD_BYTES', max: MAX_UPLOAD_BYTES }),
  },
  {
    input: '40 text fields beside one photo',
    send: (url, fx) => postParts(url, ANALYSES, [part(fx.jpeg, 'image/jpeg')], { fields: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field${i}`, 'x'])) }),
    expect: { status: 413, problem: 'too-many-parts' },
  },
  {
    input: 'photo part named "photo" instead of "image"',
    send: (url, fx) => postParts(url, ANALYSES, [part(fx.jpeg, 'image/jpeg', { field: 'photo' })]),
    expect: { status: 400, problem: 'unexpected-part' },
  },
  { input: 'multipart body with a text field only', send: (url) => postParts(url, ANALYSES, [], { fields: { note: 'no photo here' } }), expect: { status: 400, problem: 'no-image' } },
  {
    input: 'multipart body cut short (no closing boundary)',
    send: (url, fx) =>
      postRaw(
        url,
        ANALYSES,
        handMadeMultipart('cut-short', [{ headers: 'Content-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg', body: truncated(fx.jpeg, 0.5) }], false),
        'multipart/form-data; boundary=cut-short',
      ),
    expect: { status: 400, problem: 'malformed-multipart' },
  },
  {
    input: 'multipart Content-Type without a boundary',
    send: (url, fx) => postRaw(url, ANALYSES, fx.jpeg, 'multipart/form-data'),
    expect: { status: 400, problem: 'malformed-multipart' },
  },
  {
    input: 'multipart part with a 100 KiB header line',
    send: (url, fx) =>
      postRaw(
        url,
        ANALYSES,
        handMadeMultipart('long-header', [{ headers: `Content-Disposition: form-data; name="image"; filename="${'a'.repeat(100 * 1024)}.jpg"\r\nContent-Type: image/jpeg`, body: fx.jpeg }], true),
        'multipart/form-data; boundary=long-header',
      ),
    // Within busboy's header limits, a long file name is only a long file name.
    expect: { status: 200 },
  },
];

describe('bad input through the real gateway and tiler', () => {
  let stack: Stack;
  let fx: Fixtures;
  const rows: Array<{ input: string; status: Outcome['status']; problem: string; ms: number }> = [];

  beforeAll(async () => {
    const started = startTestStack({ env: { MAX_PHOTOS: String(MAX_PHOTOS), MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) } });
    const photo = await makeWidefieldPhoto({ width: 480, height: 360, lesions: 5, seed: 21, format: 'png' });
    const png = Buffer.from(photo.image);
    const [jpeg, webp, tiff] = await Promise.all([sharp(png).jpeg({ quality: 92 }).toBuffer(), sharp(png).webp({ quality: 90 }).toBuffer(), sharp(png).tiff().toBuffer()]);
    stack = await started;
    const reference = await postParts(stack.url, ANALYSES, [part(png, 'image/png')]);
    expect(reference.status).toBe(200);
    fx = { photo, png, jpeg, webp, tiff, reference: analysisOf(reference) };
    expect(fx.reference.lesions.length).toBeGreaterThan(0);
  }, 120_000);

  afterEach(() => {
    expect(deadProcesses(stack)).toEqual([]);
  });

  afterAll(async () => {
    if (rows.length > 0) {
      const table = markdownTable(
        ['input', 'status', 'problem type', 'ms'],
        rows.map((row) => [row.input, row.status, row.problem, Math.round(row.ms)]),
      );
      const file = writeReport('reliability-bad-input', `# Bad input: what the gateway answered\n\n${table}\n`, rows);
      console.log(`${table}\n(written to ${file})`);
    }
    await stack?.stop();
  }, 60_000);

  it.each(CASES)('$input', async (testCase) => {
    const outcome = await testCase.send(stack.url, fx);
    rows.push({ input: testCase.input, status: outcome.status, problem: outcome.problem ?? '', ms: outcome.ms });
    const allowed = Array.isArray(testCase.expect) ? testCase.expect : [testCase.expect as Answer];
    expect(allowed, `answered ${outcome.status} ${outcome.problem ?? ''}: ${JSON.stringify(outcome.body).slice(0, 300)}`).toContainEqual(
      outcome.problem === undefined || outcome.status === 200 ? { status: outcome.status } : { status: outcome.status, problem: outcome.problem },
    );
    if (typeof outcome.status === 'number' && outcome.status >= 400) {
      expect(outcome.contentType).toMatch(/^application\/problem\+json/);
      const body = outcome.body as ProblemBody;
      expect(body.status).toBe(outcome.status);
      expect(body.detail.length).toBeGreaterThan(0);
    }
    testCase.check?.(outcome, fx);
  });

  it('survives a client that hangs up halfway through a multipart upload', async () => {
    const body = handMadeMultipart('hang-up', [{ headers: 'Content-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg', body: fx.jpeg }], true);
    const head = `POST ${ANALYSES} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=hang-up\r\nContent-Length: ${body.length}\r\n\r\n`;
    await rawExchange(stack.url, Buffer.concat([Buffer.from(head), body.subarray(0, body.length >> 1)]), { hangUp: true });
    rows.push({ input: 'client hangs up halfway through the multipart body', status: 'reset', problem: '(no answer: the client left)', ms: 0 });
    // The gateway still answers, and the request that was cut is not counted as a server fault.
    expect((await readiness(stack.url)).status).toBe(200);
    const after = await send(`${stack.url}/healthz`, { timeoutMs: 5_000 });
    expect(after.status).toBe(200);
  });

  it('answered no 5xx at all and lost no process', async () => {
    expect(await gateway5xx(stack)).toBe(0);
    expect(deadProcesses(stack)).toEqual([]);
  });
});
