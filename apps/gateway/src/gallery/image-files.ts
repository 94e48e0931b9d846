import { extname, relative, resolve } from 'node:path';
import type { SuggestionEntity } from '../suggestions/suggestion.entity.js';

const CONTENT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
};

/**
 * What the renderer link writes (`12.png`): a bare name with a known image extension. Anything else in
 * the database is refused rather than trusted, so no stored value can point outside OUTPUT_DIR.
 */
const IMAGE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}\.(?:png|jpe?g|webp)$/i;

export function isImageFileName(fileName: string): boolean {
  return IMAGE_FILE_NAME.test(fileName);
}

/** Only a rendered prompt with an image on record is ever shown, served or exported. */
export function hasServableImage<T extends Pick<SuggestionEntity, 'status' | 'imageFile'>>(
  suggestion: T,
): suggestion is T & { imageFile: string } {
  return (
    suggestion.status === 'rendered' && suggestion.imageFile !== null && isImageFileName(suggestion.imageFile)
  );
}

/**
 * What the room may see: a servable image that needed no review or was passed. One waiting for review,
 * or hidden, stays out of the show, the reveal and the export's images (staff still see it, to decide).
 */
export function isPublicRender<T extends Pick<SuggestionEntity, 'status' | 'imageFile' | 'renderReview'>>(
  suggestion: T,
): suggestion is T & { imageFile: string } {
  return (
    hasServableImage(suggestion) && (suggestion.renderReview === null || suggestion.renderReview === 'passed')
  );
}

/** A stored img2img picture's name as PictureService writes it (a UUID); anything else is refused. */
export function isPictureFileName(fileName: string): boolean {
  return /^[0-9a-f-]{36}\.png$/.test(fileName);
}

export function imageContentType(fileName: string): string {
  return CONTENT_TYPES[extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

/** The absolute path of a stored image, or null when the name could leave OUTPUT_DIR. */
export function resolveImagePath(outputDir: string, fileName: string): string | null {
  if (!isImageFileName(fileName)) return null;
  const root = resolve(outputDir);
  const path = resolve(root, fileName);
  return relative(root, path) === fileName ? path : null;
}

/** The sidecar metadata the renderer link writes beside each image: `12.png` → `12.json`. */
export function metadataFileName(imageFileName: string): string {
  return `${imageFileName.slice(0, -extname(imageFileName).length)}.json`;
}

/** `vernissage-12.png`: what a guest's or the host's download is called. */
export function downloadName(id: number, fileName: string): string {
  const extension = extname(fileName).toLowerCase();
  return `vernissage-${id}${extension === '.jpeg' ? '.jpg' : extension}`;
}
