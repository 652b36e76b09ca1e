import { CLASS_NAMES } from '@skinlesion/model-manifest';
import { decodeCrops } from '../domain/input-tensor.js';
import { requireServedModel } from '../domain/model-ref.js';
import { selectOutputs, type OutputName } from '../domain/outputs.js';
import { float32ToLittleEndian } from '../domain/tensor-bytes.js';
import type { ClassifyResult } from '../runtime/classifier.js';
import type { ServingState } from '../state.js';
import type { OipHandler } from './types.js';

export interface ModelInferDeps {
  readonly state: ServingState;
  /** Largest N accepted in one request (CLASSIFIER_MAX_ITEMS). */
  readonly maxItems: number;
}

function outputTensor(name: OutputName, result: ClassifyResult, embeddingSize: number) {
  const values = name === 'probabilities' ? result.probabilities : result.embedding;
  const width = name === 'probabilities' ? CLASS_NAMES.length : embeddingSize;
  return { meta: { name, datatype: 'FP32', shape: [result.count, width] }, bytes: float32ToLittleEndian(values) };
}

/**
 * ModelInfer: N crops in one input tensor, out come "probabilities" FP32 [N, 6] and "embedding"
 * FP32 [N, D] (or the outputs the request lists) as little-endian raw_output_contents.
 */
export function modelInferHandler(deps: ModelInferDeps): OipHandler<'ModelInfer'> {
  return async (request, context) => {
    const classifier = deps.state.require();
    const { manifest } = classifier;
    requireServedModel(manifest, request.modelName, request.modelVersion);
    const outputs = selectOutputs(request.outputs.map((output) => output.name));
    const crops = decodeCrops(
      { inputs: request.inputs, raw: request.rawInputContents },
      { inputSize: manifest.inputSize, maxItems: deps.maxItems },
    );
    const result = await classifier.classify(crops, context.signal);
    const tensors = outputs.map((name) => outputTensor(name, result, manifest.embeddingSize));
    context.log.debug({ crops: result.count, datatype: crops.datatype, outputs }, 'classified');
    return {
      modelName: manifest.name,
      modelVersion: manifest.version,
      id: request.id,
      outputs: tensors.map((tensor) => tensor.meta),
      rawOutputContents: tensors.map((tensor) => tensor.bytes),
    };
  };
}
