import { httpException, pythonException } from './errors.js';
import { sniffImage, type ImageFormat } from './png.js';
import { pyB64decode, pyTypeName } from './python.js';

const LOCAL_HOST =
  /^(localhost|127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.|0\.0\.0\.0|\[::1?\]|\[f[cd])/i;

/**
 * api.decode_base64_to_image: raw base64 or a data: URL, opened by PIL (which only needs a known header).
 * URLs are never fetched: local ones are refused as A1111 does, others count as unreachable.
 */
export function decodeImage(value: unknown, options: Record<string, unknown>): ImageFormat {
  if (typeof value !== 'string') {
    throw pythonException('AttributeError', `'${pyTypeName(value)}' object has no attribute 'startswith'`);
  }
  if (value.startsWith('http://') || value.startsWith('https://')) {
    if (!options['api_enable_requests']) throw httpException(500, 'Requests not allowed');
    const host = value.replace(/^https?:\/\//, '').split('/')[0] ?? '';
    if (options['api_forbid_local_requests'] && LOCAL_HOST.test(host)) {
      throw httpException(500, 'Request to local resource not allowed');
    }
    throw httpException(500, 'Invalid image url');
  }
  let encoding = value;
  if (value.startsWith('data:image/')) {
    // encoding.split(";")[1].split(",")[1] in Python: a malformed data URL is an IndexError.
    const afterSemicolon = value.split(';')[1];
    const payload = afterSemicolon?.split(',')[1];
    if (payload === undefined) throw pythonException('IndexError', 'list index out of range');
    encoding = payload;
  }
  const bytes = pyB64decode(encoding);
  const format = bytes ? sniffImage(bytes) : null;
  if (!format) throw httpException(500, 'Invalid encoded image');
  return format;
}
