import { callUnary } from '@skinlesion/grpc-kit';
import { MESSAGE_HEADROOM_BYTES } from '../config.js';
import { argmax, className, CLASS_COUNT, namedProbabilities, type ClassName, type Probabilities } from '../domain/classes.js';
import type { ModelInfo } from '../domain/model-info.js';
import { groupBySize } from '../domain/tensors.js';
import { timeStage } from '../metrics.js';
import type { RequestScope } from '../plugins/request-context.js';
import { mapBounded } from '../util/concurrency.js';
import { checkedPatches, type PipelineDeps } from './pipeline.js';
import { upstreamError } from './upstream.js';

export interface PatchResult {
  probabilities: Probabilities;
  class: ClassName;
}

export interface ClassifyReport {
  model: { name: string; version: string };
  results: PatchResult[];
}

/**
 * Encoded images resized by the tiler to the model's S x S input (in groups that fit one gRPC
 * message), as consecutive segments of S x S x 3 bytes in image order. `what` names an image in
 * the tiler's verdict when a group holds only that one (e.g. "photo" or "instance").
 */
export async function patchImages(
  deps: PipelineDeps,
  images: readonly Uint8Array[],
  model: ModelInfo,
  scope: RequestScope,
  what: (index: number) => Record<string, unknown> = (index) => ({ photo: index }),
): Promise<Uint8Array[]> {
  const size = model.inputSize;
  const groups = groupBySize(
    images.map((image) => image.byteLength),
    deps.classifier.chunkSize,
    deps.grpcMaxMessageBytes - MESSAGE_HEADROOM_BYTES,
  );
  const patching = await timeStage(deps.metrics, 'patch', () =>
    mapBounded(groups, deps.classifier.concurrency, scope.signal, async ([start, end], _index, signal) => {
      try {
        const response = await callUnary(deps.tiler, 'Patch', { images: images.slice(start, end), size }, { ...scope, signal });
        return checkedPatches(response.patches, end - start, size);
      } catch (error) {
        // The tiler names the bad image within a group itself; a group of one is named here.
        throw upstreamError(error, 'tiler', true, end - start === 1 ? what(start) : {});
      }
    }),
  );
  return patching.value;
}

/**
 * The seed's cloud variant: every uploaded image is one patch. The tiler resizes the images to
 * the model's input size, then the patches are classified like crops; results come back in
 * upload order.
 */
export async function classifyImages(deps: PipelineDeps, images: readonly Uint8Array[], scope: RequestScope): Promise<ClassifyReport> {
  const model = await deps.classifier.info(scope);
  const patches = await patchImages(deps, images, model, scope);
  const classified = await timeStage(deps.metrics, 'classify', () => deps.classifier.classify(model, patches, images.length, scope, false));

  const { probabilities } = classified.value;
  const results = images.map((_image, row) => ({
    probabilities: namedProbabilities(probabilities, row * CLASS_COUNT),
    class: className(argmax(probabilities, row * CLASS_COUNT, CLASS_COUNT)),
  }));
  return { model: { name: model.name, version: model.version }, results };
}
