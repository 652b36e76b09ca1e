/** The six classes of the method, in the model's output order (see design/pipeline.md). */
export const CLASS_NAMES = ['background', 'skin_edge', 'skin', 'nspl_a', 'nspl_b', 'spl'] as const;
export type ClassName = (typeof CLASS_NAMES)[number];
export const NUM_CLASSES = CLASS_NAMES.length;

export const CLASS = {
  background: 0,
  skin_edge: 1,
  skin: 2,
  nspl_a: 3,
  nspl_b: 4,
  spl: 5,
} as const satisfies Record<ClassName, number>;
