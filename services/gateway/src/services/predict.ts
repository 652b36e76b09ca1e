import { AppError } from '@skinlesion/errors';
import { CLASS_COUNT } from '../domain/classes.js';
import type { ModelInfo } from '../domain/model-info.js';
import { shortestFloat32 } from '../domain/oip/float.js';
import { encodePng } from '../domain/png.js';
import { pixelScale, toBytes, type PredictRequest } from '../domain/predict/request.js';
import { timeStage } from '../metrics.js';
import type { RequestScope } from '../plugins/request-context.js';
import { patchImages } from './classify.js';
import type { PipelineDeps } from './pipeline.js';

/** The model a predict URL names: TF Serving's /v1/models/{name}[/versions/{version}]. */
export interface ModelTarget {
  readonly name: string;
  readonly version?: string;
}

/** Refuses a name or version other than the served model's, naming the one served. */
export function requireModel(model: ModelInfo, target: ModelTarget): void {
  if (target.name === model.name && (target.version === undefined || target.version === model.version)) return;
  const asked = target.version === undefined ? `"${target.name}"` : `"${target.name}" version "${target.version}"`;
  throw new AppError('NOT_FOUND', `model ${asked} is not served here; this server serves "${model.name}" version "${model.version}"`, {
    model: model.name,
    version: model.version,
  });
}

/**
 * TF Serving's predict on the classifier: every instance becomes one S x S x 3 patch and the
 * answer is its six probabilities. Instances already S x S are sent as they are; the others (and
 * encoded images) are resized by the tiler's Patch, numbers going there as a PNG the gateway
 * writes, so the gateway never decodes or resamples pixels itself.
 */
export async function predict(deps: PipelineDeps, request: PredictRequest, target: ModelTarget, scope: RequestScope): Promise<number[][]> {
  const model = await deps.classifier.info(scope);
  requireModel(model, target);
  const size = model.inputSize;
  const scale = pixelScale(request.instances);

  const crops = new Array<Uint8Array>(request.instances.length);
  const encoded: Uint8Array[] = [];
  const encodedAt: number[] = [];
  request.instances.forEach((instance, index) => {
    if (instance.kind === 'encoded') {
      encoded.push(instance.bytes);
      encodedAt.push(index);
    } else if (instance.height === size && instance.width === size) {
      crops[index] = toBytes(instance, scale);
    } else {
      encoded.push(encodePng(toBytes(instance, scale), instance.width, instance.height));
      encodedAt.push(index);
    }
  });
  if (encoded.length > 0) {
    const segments = await patchImages(deps, encoded, model, scope, (position) => ({ instance: encodedAt[position] }));
    const cropBytes = size * size * 3;
    let position = 0;
    for (const segment of segments) {
      for (let offset = 0; offset < segment.byteLength; offset += cropBytes) {
        crops[encodedAt[position]] = segment.subarray(offset, offset + cropBytes);
        position += 1;
      }
    }
  }

  const classified = await timeStage(deps.metrics, 'classify', () => deps.classifier.classify(model, crops, crops.length, scope, false));
  const { probabilities } = classified.value;
  return crops.map((_crop, row) => Array.from(probabilities.subarray(row * CLASS_COUNT, (row + 1) * CLASS_COUNT), shortestFloat32));
}
