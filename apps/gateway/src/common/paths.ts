import { fileURLToPath } from 'node:url';

/**
 * Views and public assets sit at the top of the repository and are copied beside the build (dist/views,
 * dist/public), so the same relative path works from the sources (tests) and from dist (production).
 */
export const VIEWS_DIR = fileURLToPath(new URL('../../../../views', import.meta.url));
export const PUBLIC_DIR = fileURLToPath(new URL('../../../../public', import.meta.url));
