import { InvalidArgumentError, LimitExceededError } from '@skinlesion/errors';

/** Why an upload is not a usable photo. */
export type InvalidImageReason = 'empty' | 'unreadable' | 'unsupported_format' | 'corrupt';

/** The bytes are not a photo the tiler can decode: empty, corrupt, or in a refused format. */
export class InvalidImageError extends InvalidArgumentError {
  readonly reason: InvalidImageReason;

  constructor(reason: InvalidImageReason, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, { reason, ...details }, options);
    this.name = 'InvalidImageError';
    this.reason = reason;
  }
}

/** The photo has more pixels than the configured limit; refused before its pixels are decoded. */
export class ImageTooLargeError extends LimitExceededError {
  constructor(pixels: number, maxPixels: number) {
    super('TILER_MAX_PIXELS', `the image has ${pixels} pixels, more than the limit of ${maxPixels} (TILER_MAX_PIXELS)`, { pixels, max: maxPixels });
    this.name = 'ImageTooLargeError';
  }
}
