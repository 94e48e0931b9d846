import { PICTURE_LIMITS } from '#contracts';

export const PICTURE_TOO_LARGE = `That picture is larger than ${PICTURE_LIMITS.maxBytes / 1024 / 1024} MB.`;
