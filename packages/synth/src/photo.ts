import sharp from 'sharp';
import { addPores, renderBackdrop } from './backdrop.js';
import { makeBody } from './body.js';
import { resolveOptions } from './options.js';
import { pickBackdrop, pickSkinTone } from './palettes.js';
import { composite } from './patch.js';
import { placeLesions } from './placement.js';
import { planLesions } from './plan.js';
import { createRng } from './prng.js';
import { isicLesions, proceduralLesions, type SourcedLesion } from './sources.js';
import type { SynthLesion, SynthOptions, SynthPhoto } from './types.js';

const round2 = (v: number): number => Math.round(v * 100) / 100;

/**
 * A synthetic wide-field photo of a patient's back with lesions at known places, and its ground
 * truth. Deterministic: the same options give the same bytes.
 */
export async function makeWidefieldPhoto(options: SynthOptions = {}): Promise<SynthPhoto> {
  const o = resolveOptions(options);
  // One named stream per concern, so that e.g. more lesions do not change the skin.
  const body = makeBody(createRng(o.seed, 'body'), o.width, o.height, o.backgroundShare);
  const lookRng = createRng(o.seed, 'look');
  const look = { tone: pickSkinTone(lookRng), backdrop: pickBackdrop(lookRng) };
  const slots = planLesions(createRng(o.seed, 'plan'), o);
  const centres = placeLesions(
    createRng(o.seed, 'place'),
    body,
    slots.map((s) => s.diameter),
  );

  // Real lesions decode on libuv threads while the skin renders on this one.
  const sourced: Promise<SourcedLesion[]> =
    o.dataDir === null
      ? Promise.resolve(proceduralLesions(createRng(o.seed, 'lesions'), slots))
      : isicLesions(createRng(o.seed, 'lesions'), o.dataDir, o.split, slots);
  // Keep a rejection from surfacing as unhandled while the synchronous render runs.
  sourced.catch(() => undefined);

  const rgb = renderBackdrop(createRng(o.seed, 'skin'), createRng(o.seed, 'grain').uint32(), body, look);
  addPores(createRng(o.seed, 'pores'), body, rgb);

  const lesions = await sourced;
  const truth: Omit<SynthLesion, 'id'>[] = lesions.map((lesion, i) => {
    const centre = composite(rgb, o.width, o.height, lesion.patch, centres[i].x, centres[i].y);
    return {
      x: round2(centre.x),
      y: round2(centre.y),
      diameter: slots[i].diameter,
      classIndex: lesion.classIndex,
      odd: slots[i].role === 'odd',
      source: lesion.source,
    };
  });
  truth.sort((p, q) => p.y - q.y || p.x - q.x);
  const named: SynthLesion[] = truth.map((t, i) => ({ id: `lesion-${String(i + 1).padStart(3, '0')}`, ...t }));

  const raw = sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), {
    raw: { width: o.width, height: o.height, channels: 3 },
  });
  const encoded = o.format === 'jpeg' ? await raw.jpeg({ quality: o.quality }).toBuffer() : await raw.png().toBuffer();
  return {
    image: new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength),
    format: o.format,
    width: o.width,
    height: o.height,
    lesions: named,
    oddLesionId: named.find((l) => l.odd)?.id ?? null,
    skinBox: { ...body.skinBox },
  };
}
