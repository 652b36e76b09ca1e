import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemError } from '../problems.js';
import { IMAGE_MEDIA_TYPES, IMAGE_PART } from './upload-types.js';

export interface UploadLimits {
  /** Bytes per photo, multipart part or raw body alike. */
  readonly maxUploadBytes: number;
  /** Photos per request. */
  readonly maxPhotos: number;
}

/** Text fields are not used by any endpoint; a few small ones are tolerated, then refused. */
const MAX_FIELDS = 16;
const MAX_FIELD_BYTES = 1024; // 1 KiB
const MAX_HEADER_PAIRS = 100;

/**
 * Part types let through to the tiler, which decides from the bytes: the four image types,
 * application/octet-stream (what many clients send for any file), and text/plain, which busboy
 * reports for a part with no Content-Type at all (RFC 7578's default). A part that declares any
 * other type (image/heic, application/pdf) is refused up front with the list of accepted ones.
 */
const ACCEPTED_PART_TYPES = new Set<string>([...IMAGE_MEDIA_TYPES, 'application/octet-stream', 'text/plain', '']);

/**
 * Makes the instance it is called on accept photos: multipart/form-data with `image` parts, or
 * one image as the raw body. Every other body parser is removed from this scope so that JSON or
 * text bodies are a clear 415 rather than a confusing "no image". Called as a plain function (not
 * registered) so the parsers apply to the caller's routes.
 */
export async function acceptImageUploads(scope: FastifyInstance, limits: UploadLimits): Promise<void> {
  scope.removeAllContentTypeParsers();
  await scope.register(multipart, {
    limits: {
      fileSize: limits.maxUploadBytes,
      files: limits.maxPhotos,
      fields: MAX_FIELDS,
      fieldSize: MAX_FIELD_BYTES,
      parts: limits.maxPhotos + MAX_FIELDS,
      headerPairs: MAX_HEADER_PAIRS,
    },
  });
  scope.addContentTypeParser([...IMAGE_MEDIA_TYPES], { parseAs: 'buffer', bodyLimit: limits.maxUploadBytes }, (_request, body, done) => {
    done(null, body);
  });
}

/** The uploaded photos in upload order; 4xx problems for every way an upload can be wrong. */
export async function readImages(request: FastifyRequest): Promise<Buffer[]> {
  if (!request.isMultipart()) {
    const body = request.body;
    if (!Buffer.isBuffer(body)) {
      throw new ProblemError('no-image', `send the photo as the body with an image Content-Type, or as multipart parts named "${IMAGE_PART}"`);
    }
    if (body.length === 0) throw new ProblemError('empty-image', 'the request body is empty', { part: 0 });
    return [body];
  }

  const images: Buffer[] = [];
  try {
    for await (const part of request.parts()) {
      if (part.type !== 'file') continue;
      if (part.fieldname !== IMAGE_PART) {
        throw new ProblemError('unexpected-part', `file part "${part.fieldname}" is not accepted; name each photo part "${IMAGE_PART}"`, { part: part.fieldname });
      }
      const mediaType = part.mimetype.split(';')[0].trim().toLowerCase();
      if (!ACCEPTED_PART_TYPES.has(mediaType)) {
        throw new ProblemError('unsupported-media-type', `photo ${images.length} has media type ${mediaType}; accepted: ${IMAGE_MEDIA_TYPES.join(', ')}`, {
          photo: images.length,
          accepted: [...IMAGE_MEDIA_TYPES],
        });
      }
      const bytes = await part.toBuffer();
      if (bytes.length === 0) throw new ProblemError('empty-image', `photo ${images.length} is empty`, { photo: images.length });
      images.push(bytes);
    }
  } catch (error) {
    // Fastify and multipart errors carry an FST_ code the central handler maps; anything else
    // the multipart parser throws (busboy: truncated body, bad part headers) is the client's.
    const code = (error as { code?: unknown }).code;
    if (error instanceof ProblemError || (typeof code === 'string' && code.startsWith('FST_'))) throw error;
    throw new ProblemError('malformed-multipart', (error as Error).message ?? 'the multipart body could not be parsed', {}, { cause: error });
  }
  if (images.length === 0) throw new ProblemError('no-image', `the multipart body has no file part named "${IMAGE_PART}"`);
  return images;
}
