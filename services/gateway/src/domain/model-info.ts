import { AppError } from '@skinlesion/errors';
import { CLASS_COUNT } from './classes.js';

/** Tensor names the classifier's Open Inference Protocol model exposes (see proto/inference). */
export const INPUT_TENSOR = 'input';
export const PROBABILITIES_TENSOR = 'probabilities';
export const EMBEDDING_TENSOR = 'embedding';

export interface TensorMetadata {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
}

export interface ModelMetadata {
  readonly name: string;
  readonly versions: readonly string[];
  readonly inputs: readonly TensorMetadata[];
  readonly outputs: readonly TensorMetadata[];
}

/** What the gateway needs to know about the model: crop size for the tiler, tensor widths. */
export interface ModelInfo {
  readonly name: string;
  readonly version: string;
  /** S: crops are S x S x 3 uint8. */
  readonly inputSize: number;
  /** D: width of one embedding row. */
  readonly embeddingSize: number;
}

/**
 * Reads S and D from ModelMetadata: input "input" UINT8 [-1, S, S, 3], outputs "probabilities"
 * FP32 [-1, 6] and "embedding" FP32 [-1, D]. A model that does not fit this contract is a
 * deployment fault, reported as INTERNAL rather than blamed on the client.
 */
export function parseModelMetadata(metadata: ModelMetadata): ModelInfo {
  const problems: string[] = [];
  const input = metadata.inputs.find((tensor) => tensor.name === INPUT_TENSOR);
  const probabilities = metadata.outputs.find((tensor) => tensor.name === PROBABILITIES_TENSOR);
  const embedding = metadata.outputs.find((tensor) => tensor.name === EMBEDDING_TENSOR);

  let inputSize = 0;
  if (!input) problems.push(`no input tensor named "${INPUT_TENSOR}"`);
  else {
    const [, height, width, channels] = input.shape;
    if (input.datatype !== 'UINT8') problems.push(`input datatype ${input.datatype}, expected UINT8`);
    if (input.shape.length !== 4 || height !== width || !(height > 0) || channels !== 3) {
      problems.push(`input shape [${input.shape.join(', ')}], expected [-1, S, S, 3]`);
    } else inputSize = height;
  }

  if (!probabilities) problems.push(`no output tensor named "${PROBABILITIES_TENSOR}"`);
  else if (probabilities.shape.length !== 2 || probabilities.shape[1] !== CLASS_COUNT) {
    problems.push(`probabilities shape [${probabilities.shape.join(', ')}], expected [-1, ${CLASS_COUNT}]`);
  }

  let embeddingSize = 0;
  if (!embedding) problems.push(`no output tensor named "${EMBEDDING_TENSOR}"`);
  else if (embedding.shape.length !== 2 || !(embedding.shape[1] > 0)) {
    problems.push(`embedding shape [${embedding.shape.join(', ')}], expected [-1, D]`);
  } else embeddingSize = embedding.shape[1];

  if (problems.length > 0) {
    throw new AppError('INTERNAL', `the classifier's model does not fit the gateway: ${problems.join('; ')}`, { problems });
  }
  return {
    name: metadata.name,
    version: metadata.versions[0] ?? '',
    inputSize,
    embeddingSize,
  };
}
