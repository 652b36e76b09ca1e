import { InvalidArgumentError } from '@skinlesion/errors';
import type { PictureKind as ProtoPictureKind, RenderRequest__Output, RenderResponse } from '@skinlesion/proto';
import { decodePhoto } from '../domain/decode.js';
import { renderPicture, type PictureKind } from '../domain/render/index.js';
import { requireImageBytes } from './validate.js';

const KINDS: Partial<Record<ProtoPictureKind, PictureKind>> = {
  PICTURE_KIND_BOXES: 'boxes',
  PICTURE_KIND_HEATMAP: 'heatmap',
  PICTURE_KIND_MONTAGE: 'montage',
};

export function renderHandler(deps: { readonly maxPixels: number }) {
  return async (request: RenderRequest__Output): Promise<RenderResponse> => {
    requireImageBytes(request.image, 'image');
    const kind = KINDS[request.kind];
    if (!kind) throw new InvalidArgumentError(`picture kind must be one of ${Object.keys(KINDS).join(', ')}`);
    const photo = await decodePhoto(request.image, { maxPixels: deps.maxPixels });
    const marks = request.marks.map((mark) => ({
      x: mark.x,
      y: mark.y,
      diameter: mark.diameter,
      classIndex: mark.classIndex,
      udScore: mark.hasUd ? mark.udScore : null,
      udRank: mark.udRank > 0 ? mark.udRank : null,
      label: mark.label || undefined,
    }));
    const picture = await renderPicture(photo, kind, marks, request.maxWidth > 0 ? { maxWidth: request.maxWidth } : {});
    return { png: Buffer.from(picture.png.buffer, picture.png.byteOffset, picture.png.byteLength), width: picture.width, height: picture.height };
  };
}
