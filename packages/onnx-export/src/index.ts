export { exportLayersModel, BATCH_DIM, type ExportOptions, type ExportReport, type ExportResult, type OutputSpec, type TensorSummary } from './export.js';
export { exportModelDir, readManifestFile, CLASSIFIER_INPUT, CLASSIFIER_OUTPUTS, DEFAULT_ONNX_FILE, type ModelDirExport } from './model-dir.js';
export { decodeWeights, float16ToFloat32, readLayersModel, type LayersModelArtifacts, type ModelFiles, type Weight, type WeightSpec } from './tfjs-artifacts.js';
export { parseTopology, type LayerSpec, type TensorRef, type Topology } from './topology.js';
export { ExportError, UnsupportedLayerError } from './errors.js';
export { SUPPORTED_LAYER_TYPES } from './layers/index.js';
export { ACTIVATIONS } from './layers/activations.js';
export { decodeModel, IR_VERSION, OPSET, type ModelProto } from './onnx-proto.js';
export type { WeightPrecision } from './context.js';
