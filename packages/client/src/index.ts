export { SkinlesionClient, type AnalyzeOptions, type CallOptions, type ClientOptions, type InferOptions, type PictureOptions, type PredictOptions } from './client.js';
export { ApiError, PROBLEM_TYPE_BASE } from './errors.js';
export { sniffImageType, type ImageInput } from './images.js';
export * from './types.js';
