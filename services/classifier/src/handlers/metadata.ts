import { CLASS_NAMES } from '@skinlesion/model-manifest';
import { INPUT_NAME } from '../domain/input-tensor.js';
import { designates, requireServedModel } from '../domain/model-ref.js';
import type { ServingState } from '../state.js';
import type { OipHandler } from './types.js';

/** The server's name in ServerMetadata. */
export const SERVER_NAME = 'skinlesion-classifier';

export interface MetadataDeps {
  readonly state: ServingState;
  readonly serverVersion: string;
}

export function serverLiveHandler(): OipHandler<'ServerLive'> {
  // Answering at all is the proof of life; readiness is ServerReady's business.
  return async () => ({ live: true });
}

export function serverReadyHandler(deps: MetadataDeps): OipHandler<'ServerReady'> {
  return async () => ({ ready: deps.state.ready });
}

export function modelReadyHandler(deps: MetadataDeps): OipHandler<'ModelReady'> {
  // An unknown model is simply not ready: probes expect an answer, not an error.
  return async (request) => {
    const classifier = deps.state.current;
    return { ready: deps.state.ready && classifier !== undefined && designates(classifier.manifest, request.name, request.version) };
  };
}

export function serverMetadataHandler(deps: MetadataDeps): OipHandler<'ServerMetadata'> {
  return async () => ({ name: SERVER_NAME, version: deps.serverVersion, extensions: [] });
}

export function modelMetadataHandler(deps: MetadataDeps): OipHandler<'ModelMetadata'> {
  return async (request) => {
    const classifier = deps.state.require();
    const { manifest } = classifier;
    requireServedModel(manifest, request.name, request.version);
    const size = manifest.inputSize;
    return {
      name: manifest.name,
      versions: [manifest.version],
      platform: classifier.platform,
      // FP32 input in the model's own scale is accepted too; UINT8 is what the model advertises.
      inputs: [{ name: INPUT_NAME, datatype: 'UINT8', shape: [-1, size, size, 3] }],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, CLASS_NAMES.length] },
        { name: 'embedding', datatype: 'FP32', shape: [-1, manifest.embeddingSize] },
      ],
    };
  };
}
