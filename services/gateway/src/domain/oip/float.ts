/*
 * Float conversions the JSON tensor encoding needs: IEEE 754 half precision (FP16 has no typed
 * array in Node 20) and the shortest decimal that reads back as the same float32, so JSON shows
 * 0.1 rather than the 0.10000000149011612 a float32 widened to double prints as.
 */

const scratch = new DataView(new ArrayBuffer(4));

/** The IEEE 754 binary16 bits of a number, rounded to nearest even; overflow gives infinity. */
export function toFloat16Bits(value: number): number {
  scratch.setFloat32(0, value);
  const bits = scratch.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;

  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0); // NaN keeps a quiet bit
  const unbiased = exponent - 127;
  if (unbiased > 15) return sign | 0x7c00; // too large: infinity
  if (unbiased >= -14) {
    // Normal half: 10 mantissa bits, round to nearest even on the 13 dropped bits.
    let half = ((unbiased + 15) << 10) | (mantissa >>> 13);
    const rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half += 1; // may carry into the exponent, which is right
    return sign | half;
  }
  if (unbiased < -25) return sign; // below half the smallest subnormal: signed zero
  // Subnormal half: the implicit leading 1 becomes explicit and the value shifts right.
  mantissa |= 0x800000;
  const shift = -unbiased - 1; // 14..24 when unbiased is -15..-25
  let half = mantissa >>> shift;
  const dropped = mantissa & ((1 << shift) - 1);
  const midpoint = 1 << (shift - 1);
  if (dropped > midpoint || (dropped === midpoint && (half & 1) === 1)) half += 1;
  return sign | half;
}

/** The number an IEEE 754 binary16 bit pattern stands for. */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** The shortest decimal (as a number) whose float32 rounding is the given float32 value. */
export function shortestFloat32(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const target = Math.fround(value);
  // Nine significant digits always round-trip a float32; most values need fewer.
  for (let digits = 1; digits < 9; digits += 1) {
    const candidate = Number(target.toPrecision(digits));
    if (Math.fround(candidate) === target) return candidate;
  }
  return Number(target.toPrecision(9));
}
