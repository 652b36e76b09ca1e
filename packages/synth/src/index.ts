/**
 * @skinlesion/synth: synthetic wide-field photos of a patient's back with lesions at known
 * places, for tests, the demo, benchmarks and model evaluation.
 */
export { makeWidefieldPhoto } from './photo.js';
export { DEFAULTS } from './options.js';
export { CLASS_FOR_DIAGNOSIS, type Diagnosis } from './isic-data.js';
export type {
  ImageFormat,
  LesionClass,
  SkinBox,
  Split,
  SynthLesion,
  SynthOptions,
  SynthPhoto,
} from './types.js';
