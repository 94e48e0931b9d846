/** The largest picture we accept, uploaded or fetched. */
export const MAX_PICTURE_BYTES = 64 * 1024 * 1024;
/** Decoding stops beyond this many pixels, so a small file cannot expand into gigabytes (a "bomb"). */
export const MAX_PICTURE_PIXELS = 40_000_000;
export const PICTURE_TOO_LARGE = `That picture is larger than ${MAX_PICTURE_BYTES / 1024 / 1024} MB.`;
