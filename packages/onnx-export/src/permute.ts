/**
 * Reorders the axes of a row-major array: result axis k is source axis perm[k] (numpy's
 * transpose). Works on the stored representation, so float16 weights move as raw bits.
 */
export function permute<T extends Float32Array | Uint16Array>(values: T, shape: readonly number[], perm: readonly number[]): T {
  const rank = shape.length;
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((axis, index) => axis !== index)) {
    throw new Error(`permutation [${perm.join(', ')}] does not fit a rank-${rank} array`);
  }
  const sourceStrides = new Array<number>(rank);
  for (let axis = rank - 1, stride = 1; axis >= 0; axis -= 1) {
    sourceStrides[axis] = stride;
    stride *= shape[axis];
  }
  const outShape = perm.map((axis) => shape[axis]);
  const strides = perm.map((axis) => sourceStrides[axis]);
  const result = new (values.constructor as new (length: number) => T)(values.length);
  const index = new Array<number>(rank).fill(0);
  let source = 0;
  for (let target = 0; target < values.length; target += 1) {
    result[target] = values[source];
    // Odometer over the output index, moving the source offset by the matching strides.
    for (let axis = rank - 1; axis >= 0; axis -= 1) {
      index[axis] += 1;
      source += strides[axis];
      if (index[axis] < outShape[axis]) break;
      source -= strides[axis] * outShape[axis];
      index[axis] = 0;
    }
  }
  return result;
}
