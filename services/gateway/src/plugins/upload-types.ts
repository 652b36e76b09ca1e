/** Encoded image formats the tiler decodes (issue 2: JPEG, PNG, WebP, TIFF). */
export const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/tiff'] as const;

/** What an upload endpoint accepts as its Content-Type. */
export const UPLOAD_MEDIA_TYPES = ['multipart/form-data', ...IMAGE_MEDIA_TYPES] as const;

/** The multipart part name that carries a photo. */
export const IMAGE_PART = 'image';
