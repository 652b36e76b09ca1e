/** Normalised 1-D Gaussian taps, radius ceil(3 sigma) (beyond that the weight is below 1.1 %). */
export function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(0, Math.ceil(3 * sigma));
  const taps = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const weight = sigma > 0 ? Math.exp(-(i * i) / (2 * sigma * sigma)) : i === 0 ? 1 : 0;
    taps[i + radius] = weight;
    sum += weight;
  }
  for (let i = 0; i < taps.length; i++) taps[i] /= sum;
  return taps;
}

/**
 * Separable Gaussian blur of one float plane. Outside the plane counts as 0: callers leave a
 * margin of 3 sigma where that matters.
 */
export function blurPlane(plane: Float32Array, width: number, height: number, sigma: number): Float32Array {
  const taps = gaussianKernel(sigma);
  const radius = (taps.length - 1) / 2;
  const across = new Float32Array(plane.length);
  // Each row is copied into a zero-padded scratch row so the inner loop needs no bounds checks.
  const padded = new Float32Array(width + 2 * radius);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    padded.set(plane.subarray(row, row + width), radius);
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = 0; k < taps.length; k++) sum += taps[k] * padded[x + k];
      across[row + x] = sum;
    }
  }
  // Down the columns one whole row at a time, so memory is read in order.
  const out = new Float32Array(plane.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const from = Math.max(0, y - radius);
    const to = Math.min(height - 1, y + radius);
    for (let sy = from; sy <= to; sy++) {
      const weight = taps[sy - y + radius];
      const source = sy * width;
      for (let x = 0; x < width; x++) out[row + x] += weight * across[source + x];
    }
  }
  return out;
}
