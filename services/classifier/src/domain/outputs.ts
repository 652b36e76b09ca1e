import { InvalidArgumentError } from '@skinlesion/errors';

/** The outputs ModelInfer can return, in their default order. */
export const OUTPUT_NAMES = ['probabilities', 'embedding'] as const;
export type OutputName = (typeof OUTPUT_NAMES)[number];

/**
 * The outputs to return, in the order asked for; all of them when the request names none, as the
 * Open Inference Protocol specifies.
 */
export function selectOutputs(requested: readonly string[]): OutputName[] {
  if (requested.length === 0) return [...OUTPUT_NAMES];
  const known = OUTPUT_NAMES as readonly string[];
  const unknown = requested.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown output ${unknown.map((name) => `"${name}"`).join(', ')}: the model's outputs are ${OUTPUT_NAMES.map((name) => `"${name}"`).join(', ')}`,
    );
  }
  const repeated = requested.find((name, index) => requested.indexOf(name) !== index);
  if (repeated !== undefined) throw new InvalidArgumentError(`output "${repeated}" is requested more than once`);
  return requested as OutputName[];
}
