import { modelInferHandler, type ModelInferDeps } from './model-infer.js';
import { modelMetadataHandler, modelReadyHandler, serverLiveHandler, serverMetadataHandler, serverReadyHandler, type MetadataDeps } from './metadata.js';
import type { OipHandlers } from './types.js';

export { SERVER_NAME } from './metadata.js';
export { OIP_METHODS, type OipHandlers, type OipMethod } from './types.js';

/** The six Open Inference Protocol RPCs as promise-returning handlers; server.ts adapts them to grpc-js. */
export function oipHandlers(deps: MetadataDeps & ModelInferDeps): OipHandlers {
  return {
    ServerLive: serverLiveHandler(),
    ServerReady: serverReadyHandler(deps),
    ModelReady: modelReadyHandler(deps),
    ServerMetadata: serverMetadataHandler(deps),
    ModelMetadata: modelMetadataHandler(deps),
    ModelInfer: modelInferHandler(deps),
  };
}
