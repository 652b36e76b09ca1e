/**
 * The six classes in the model's output order (pipeline.md, "Classes"): the index is what the
 * model emits, the name is what the REST API shows.
 */
export const CLASS_NAMES = ['background', 'skin_edge', 'skin', 'nspl_a', 'nspl_b', 'spl'] as const;

export type ClassName = (typeof CLASS_NAMES)[number];
export type ClassIndex = 0 | 1 | 2 | 3 | 4 | 5;

export const CLASS_COUNT = CLASS_NAMES.length;

/** Classes 3..5 are pigmented lesions (step 6). */
export const FIRST_PIGMENTED_CLASS = 3;
export const NSPL_B: ClassIndex = 4;
export const SPL: ClassIndex = 5;

export function isPigmented(classIndex: number): boolean {
  return classIndex >= FIRST_PIGMENTED_CLASS;
}

export function className(classIndex: number): ClassName {
  const name = CLASS_NAMES[classIndex];
  if (name === undefined) throw new RangeError(`class index ${classIndex} is outside 0..${CLASS_COUNT - 1}`);
  return name;
}

/** Index of the largest value; ties go to the lowest index so the result is deterministic. */
export function argmax(values: ArrayLike<number>, offset = 0, length = values.length - offset): number {
  let best = 0;
  for (let index = 1; index < length; index += 1) {
    if (values[offset + index] > values[offset + best]) best = index;
  }
  return best;
}

export type Probabilities = Record<ClassName, number>;

/** Six consecutive values of a row-major [N, 6] tensor as a named object. */
export function namedProbabilities(values: ArrayLike<number>, offset: number): Probabilities {
  const named = {} as Probabilities;
  CLASS_NAMES.forEach((name, index) => {
    // float32 values widened to double print as 0.10000000149011612; 6 decimals keep the
    // information a probability carries and keep the JSON readable.
    named[name] = Math.round(values[offset + index] * 1e6) / 1e6;
  });
  return named;
}
