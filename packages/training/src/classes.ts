import { CLASS_NAMES, type ClassName } from '@skinlesion/model-manifest';

/** The six classes of the method, in the model's output order (see design/pipeline.md). */
export { CLASS_NAMES, type ClassName };
export const NUM_CLASSES = CLASS_NAMES.length;

export const CLASS = {
  background: 0,
  skin_edge: 1,
  skin: 2,
  nspl_a: 3,
  nspl_b: 4,
  spl: 5,
} as const satisfies Record<ClassName, number>;
