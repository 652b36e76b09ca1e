import { AppError } from '@skinlesion/errors';
import type { InferParameter, InferParameter__Output, ModelInferResponse__Output } from '@skinlesion/proto';
import type { InferRequest, Parameters } from '../domain/oip/infer-request.js';
import { renderInferResponse, type RenderedInferResponse } from '../domain/oip/infer-response.js';
import type { RequestScope } from '../plugins/request-context.js';
import { ProblemError } from '../problems.js';
import type { Classifier } from './classifier.js';
import { upstreamError } from './upstream.js';

/*
 * The Open Inference Protocol's REST operations, each backed by the same operation of the
 * classifier replicas' gRPC service through the replica pool.
 */

/** The model an OIP URL names; an empty version means the served one. */
export interface ModelRef {
  readonly name: string;
  readonly version: string;
}

export interface ModelMetadataJson {
  name: string;
  versions: string[];
  platform: string;
  inputs: Array<{ name: string; datatype: string; shape: number[] }>;
  outputs: Array<{ name: string; datatype: string; shape: number[] }>;
}

/** A failed classifier call as the client should see it: its request was forwarded as sent. */
function oipError(error: unknown): unknown {
  // NOT_FOUND names a model the client asked for; elsewhere it would be a gateway fault.
  if (error instanceof AppError && error.code === 'NOT_FOUND') return new AppError('NOT_FOUND', error.message, { service: 'classifier' }, { cause: error });
  // The classifier refusing the tensors the client sent is a malformed request, not a bad photo.
  if (error instanceof AppError && error.code === 'INVALID_ARGUMENT') return new ProblemError('invalid-request', error.message, { service: 'classifier' }, { cause: error });
  return upstreamError(error, 'classifier', true);
}

/** The OIP parameter map as gRPC's InferParameter oneof. */
export function toGrpcParameters(parameters: Parameters): Record<string, InferParameter> {
  const out: Record<string, InferParameter> = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (typeof value === 'boolean') out[key] = { boolParam: value };
    else if (typeof value === 'string') out[key] = { stringParam: value };
    else if (Number.isSafeInteger(value)) out[key] = { int64Param: value };
    else out[key] = { doubleParam: value };
  }
  return out;
}

export function fromGrpcParameters(parameters: Record<string, InferParameter__Output> | undefined): Parameters {
  const out: Parameters = {};
  for (const [key, parameter] of Object.entries(parameters ?? {})) {
    const choice = parameter.parameterChoice;
    const value = choice ? parameter[choice] : undefined;
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** True when some replica answers ServerReady true. */
export async function serverReady(classifier: Classifier, scope: RequestScope): Promise<boolean> {
  try {
    await classifier.call('ServerReady', {}, scope, (answer) => answer.ready);
    return true;
  } catch {
    return false;
  }
}

/** True when some replica serves the model and says it is ready. */
export async function modelReady(classifier: Classifier, model: ModelRef, scope: RequestScope): Promise<boolean> {
  try {
    await classifier.call('ModelReady', { name: model.name, version: model.version }, scope, (answer) => answer.ready);
    return true;
  } catch {
    return false;
  }
}

export async function modelMetadata(classifier: Classifier, model: ModelRef, scope: RequestScope): Promise<ModelMetadataJson> {
  try {
    const metadata = await classifier.call('ModelMetadata', { name: model.name, version: model.version }, scope);
    const tensor = (entry: { name: string; datatype: string; shape: number[] }) => ({ name: entry.name, datatype: entry.datatype, shape: entry.shape.map(Number) });
    return {
      name: metadata.name,
      versions: metadata.versions,
      platform: metadata.platform,
      inputs: metadata.inputs.map(tensor),
      outputs: metadata.outputs.map(tensor),
    };
  } catch (error) {
    throw oipError(error);
  }
}

/** ModelInfer with the request's tensors as raw_input_contents; the answer rendered for REST. */
export async function infer(classifier: Classifier, model: ModelRef, request: InferRequest, scope: RequestScope): Promise<RenderedInferResponse> {
  let response: ModelInferResponse__Output;
  try {
    response = await classifier.call(
      'ModelInfer',
      {
        modelName: model.name,
        modelVersion: model.version,
        id: request.id ?? '',
        parameters: toGrpcParameters(request.parameters),
        inputs: request.inputs.map((input) => ({
          name: input.name,
          datatype: input.datatype,
          shape: [...input.shape],
          parameters: toGrpcParameters(input.parameters),
        })),
        outputs: request.outputs.map((output) => ({ name: output.name, parameters: toGrpcParameters(output.parameters) })),
        rawInputContents: request.inputs.map((input) => input.raw),
      },
      scope,
    );
  } catch (error) {
    throw oipError(error);
  }
  const raw = response.rawOutputContents.length > 0 ? response.rawOutputContents : undefined;
  try {
    return renderInferResponse(
      {
        modelName: response.modelName,
        modelVersion: response.modelVersion,
        id: response.id,
        parameters: fromGrpcParameters(response.parameters),
        outputs: response.outputs.map((output, index) => ({
          name: output.name,
          datatype: output.datatype,
          shape: output.shape.map(Number),
          parameters: fromGrpcParameters(output.parameters),
          raw: raw?.[index],
          contents: output.contents as unknown as Record<string, unknown[]> | null,
        })),
      },
      request,
    );
  } catch (error) {
    throw new AppError('INTERNAL', `the classifier's answer does not add up: ${(error as Error).message}`, { service: 'classifier' }, { cause: error });
  }
}
