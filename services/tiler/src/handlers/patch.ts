import { LimitExceededError } from '@skinlesion/errors';
import type { PatchRequest__Output, PatchResponse } from '@skinlesion/proto';
import { patchImages } from '../domain/patch.js';
import { requireCropSize, requireImageBytes } from './validate.js';

export function patchHandler(deps: { readonly maxImages: number; readonly maxPixels: number }) {
  return async (request: PatchRequest__Output): Promise<PatchResponse> => {
    const size = requireCropSize(request.size);
    if (request.images.length === 0) requireImageBytes(undefined, 'images');
    if (request.images.length > deps.maxImages) {
      throw new LimitExceededError('TILER_MAX_IMAGES', `${request.images.length} images exceed the limit of ${deps.maxImages} per request (TILER_MAX_IMAGES)`, { max: deps.maxImages });
    }
    request.images.forEach((image, index) => requireImageBytes(image, `images[${index}]`));
    const patches = await patchImages(request.images, size, { maxPixels: deps.maxPixels });
    return { patches: { ...patches, data: Buffer.from(patches.data.buffer, patches.data.byteOffset, patches.data.byteLength) } };
  };
}
