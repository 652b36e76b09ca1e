export { loadClassifierConfig, type ClassifierConfig } from './config.js';
export { startClassifier, type RunningClassifier } from './service.js';
export { SERVER_NAME } from './handlers/index.js';
export { OIP_SERVICE } from './server.js';
export { INPUT_NAME } from './domain/input-tensor.js';
export { OUTPUT_NAMES, type OutputName } from './domain/outputs.js';
