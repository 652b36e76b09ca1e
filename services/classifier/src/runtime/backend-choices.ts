/** The TF.js backends CLASSIFIER_BACKEND names (apart from backend.ts, which loads TF.js). */
export const BACKEND_CHOICES = ['auto', 'wasm', 'tfjs-node', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
