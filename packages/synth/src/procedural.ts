import { fractalNoise, smoothstep, valueNoise } from './noise.js';
import type { Rgb } from './palettes.js';
import { centroidOf, type LesionPatch } from './patch.js';
import type { Rng } from './prng.js';

/**
 * Drawn lesions for photos made without a data folder: soft-edged irregular ellipses with
 * internal mottling. Colours are transmittances (share of skin light that gets through), so the
 * same style reads as light brown on pale skin and dark brown on brown skin.
 */
export interface ProceduralStyle {
  colour: Rgb;
  /** Extra darkening towards the centre, 0..0.4. */
  centre: number;
  /** Amplitude of the internal mottling, 0..0.3. */
  mottle: number;
  /** Mottle cell size as a share of the diameter. */
  mottleScale: number;
  /** Amplitude of the outline's wobble, 0..0.3 of the radius. */
  irregularity: number;
  /** Minor / major axis ratio. */
  aspect: number;
  /** Half-width of the soft border in px. */
  feather: number;
  /** A second colour in blotches (e.g. blue-grey regression in a melanoma), with its share. */
  second: Rgb | null;
  secondShare: number;
}

/** Uniform brown nevi: the common moles of a back. */
const NEVUS_COLOURS: readonly Rgb[] = [
  [0.56, 0.44, 0.4],
  [0.46, 0.35, 0.32],
  [0.64, 0.5, 0.45],
  [0.6, 0.46, 0.44],
];

function jitterColour(rng: Rng, colour: Rgb, amount: number): Rgb {
  const k = 1 + rng.uniform(-amount, amount);
  return [colour[0] * k, colour[1] * k, colour[2] * k];
}

/** The look shared by the similar lesions of one photo. */
export function nevusFamily(rng: Rng): ProceduralStyle {
  return {
    colour: rng.pick(NEVUS_COLOURS),
    centre: rng.uniform(0.1, 0.22),
    mottle: rng.uniform(0.04, 0.09),
    mottleScale: 0.35,
    irregularity: rng.uniform(0.02, 0.045),
    aspect: rng.uniform(0.82, 0.95),
    feather: rng.uniform(0.8, 1.3),
    second: null,
    secondShare: 0,
  };
}

/** One member of a family: the same style with small individual differences. */
export function familyMember(rng: Rng, family: ProceduralStyle): ProceduralStyle {
  return {
    ...family,
    colour: jitterColour(rng, family.colour, 0.05),
    aspect: Math.min(1, family.aspect * rng.uniform(0.92, 1.08)),
    irregularity: family.irregularity * rng.uniform(0.7, 1.3),
  };
}

/** A benign lesion chosen freely: any nevus colour and shape. Class 3 (nspl_a). */
export function benignNevus(rng: Rng): ProceduralStyle {
  return familyMember(rng, nevusFamily(rng));
}

/** A waxy, sharply bordered, rough "stuck-on" lesion, light to mid brown. Class 4 (nspl_b). */
export function keratosisLike(rng: Rng): ProceduralStyle {
  return {
    colour: jitterColour(rng, [0.62, 0.55, 0.5], 0.06),
    centre: 0,
    mottle: rng.uniform(0.16, 0.24),
    mottleScale: 0.12,
    irregularity: rng.uniform(0.04, 0.08),
    aspect: rng.uniform(0.6, 0.85),
    feather: rng.uniform(0.5, 0.8),
    second: null,
    secondShare: 0,
  };
}

/** A dark, irregular, two-coloured lesion with a partly blurred border. Class 5 (spl). */
export function suspicious(rng: Rng): ProceduralStyle {
  return {
    colour: jitterColour(rng, [0.3, 0.24, 0.24], 0.08),
    centre: rng.uniform(0.05, 0.15),
    mottle: rng.uniform(0.2, 0.3),
    mottleScale: 0.15,
    irregularity: rng.uniform(0.1, 0.18),
    aspect: rng.uniform(0.7, 0.9),
    feather: rng.uniform(1.2, 2.5),
    second: rng.chance(0.5) ? [0.5, 0.5, 0.6] : [0.66, 0.42, 0.4],
    secondShare: rng.uniform(0.15, 0.35),
  };
}

/**
 * Renders a lesion whose area equals that of a circle of the given diameter (px): the
 * equivalent-circle diameter, which is what a blob detector measures.
 */
export function drawLesion(rng: Rng, diameter: number, style: ProceduralStyle): LesionPatch {
  const angle = rng.uniform(0, Math.PI);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);

  // Outline wobble: harmonics 2..6 with falling weights, normalised so that the outline never
  // passes the ellipse.
  const harmonics = [2, 3, 4, 5, 6].map((k) => ({
    k,
    amp: (style.irregularity * rng.uniform(0.3, 1)) / Math.sqrt(k - 1),
    phase: rng.uniform(0, 2 * Math.PI),
  }));
  const wobble = (phi: number): number => {
    let m = 1;
    for (const h of harmonics) m += h.amp * Math.cos(h.k * phi + h.phase);
    return m;
  };
  const steps = 360;
  let peak = 0;
  for (let s = 0; s < steps; s++) peak = Math.max(peak, wobble((2 * Math.PI * s) / steps));
  // Area of the wobbled unit circle, 1/2 of the integral of r^2 over the angle; the ellipse
  // stretches it by a * b.
  let unitArea = 0;
  for (let s = 0; s < steps; s++) unitArea += 0.5 * (wobble((2 * Math.PI * s) / steps) / peak) ** 2 * ((2 * Math.PI) / steps);
  const a = Math.sqrt((Math.PI * diameter * diameter) / (4 * style.aspect * unitArea));
  const b = a * style.aspect;
  const size = Math.ceil(2 * a + 4 * style.feather + 4);
  const c = size / 2;

  const cell = Math.max(1.5, style.mottleScale * diameter);
  const mottle = valueNoise(rng, size / cell + 1, size / cell + 1);
  // Blotches of a second colour: two octaves, so that they fray instead of forming flat islands.
  const blotch = fractalNoise(rng, size, size, 0.3 * diameter, 2);
  // The blotch noise is roughly symmetric around 0: a threshold at this level gives the share.
  const blotchCut = 0.5 - style.secondShare;

  const factor = new Float32Array(size * size * 3);
  const alpha = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x + 0.5 - c;
      const dy = y + 0.5 - c;
      const u = dx * cos + dy * sin;
      const v = -dx * sin + dy * cos;
      const rho = Math.sqrt((u / a) ** 2 + (v / b) ** 2);
      const m = wobble(Math.atan2(v / b, u / a)) / peak;
      const r = rho / m;
      // Signed distance to the outline in px, approximated along the ellipse's radius.
      const outside = (r - 1) * Math.min(a, b) * m;
      const k = y * size + x;
      alpha[k] = 1 - smoothstep(-style.feather, style.feather, outside);
      if (alpha[k] === 0) {
        factor[3 * k] = factor[3 * k + 1] = factor[3 * k + 2] = 1;
        continue;
      }
      const inner = Math.min(r, 1);
      const dark = 1 - style.centre * (1 - inner * inner);
      const tex = 1 + style.mottle * mottle.at(x / cell, y / cell);
      let [fr, fg, fb] = style.colour;
      if (style.second) {
        // 0.75: the second colour shows through the first rather than replacing it.
        const mix = 0.75 * smoothstep(blotchCut - 0.25, blotchCut + 0.25, blotch.at(x, y));
        fr += (style.second[0] - fr) * mix;
        fg += (style.second[1] - fg) * mix;
        fb += (style.second[2] - fb) * mix;
      }
      factor[3 * k] = Math.min(1, fr * dark * tex);
      factor[3 * k + 1] = Math.min(1, fg * dark * tex);
      factor[3 * k + 2] = Math.min(1, fb * dark * tex);
    }
  }
  return { size, factor, alpha, ...centroidOf(alpha, size) };
}
