import type { IncomingMessage } from 'node:http';
import { httpException, validationError } from './errors.js';
import { isPlainObject } from './pydantic.js';

/** Strings longer than this are shortened in `requests` records (init images would otherwise pile up). */
export const RECORD_STRING_LIMIT = 256;

export type ParsedBody =
  | { kind: 'empty' }
  | { kind: 'json'; value: unknown }
  | { kind: 'bytes'; text: string }
  | { kind: 'badJson'; pos: number; text: string }
  | { kind: 'badUtf8' };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * FastAPI 0.94's body handling: JSON is parsed when the content type is missing or application/json
 * (or +json); any other type leaves the raw bytes for pydantic to reject as "not a valid dict".
 */
export function parseBody(req: IncomingMessage, raw: Buffer): ParsedBody {
  if (raw.length === 0) return { kind: 'empty' };
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return { kind: 'badUtf8' };
  }
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const isJson =
    contentType === '' || contentType === 'application/json' || /^application\/.+\+json$/.test(contentType);
  if (!isJson) return { kind: 'bytes', text };
  try {
    return { kind: 'json', value: JSON.parse(text) };
  } catch (error) {
    return { kind: 'badJson', pos: jsonErrorPosition(error, text), text };
  }
}

/** V8 only sometimes reports a position; Python's decoder always does, so estimate one when missing. */
function jsonErrorPosition(error: unknown, text: string): number {
  const message = error instanceof Error ? error.message : '';
  const at = /position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  if (/end of JSON input/.test(message)) return text.length;
  return Math.max(0, text.search(/\S/));
}

/**
 * The value a body-taking route validates, or the error FastAPI raises before the route's own validation:
 * 422 value_error.jsondecode for malformed JSON, 400 for undecodable bytes.
 */
export function bodyValue(body: ParsedBody): unknown {
  switch (body.kind) {
    case 'empty':
      return undefined;
    case 'json':
      return body.value;
    case 'bytes':
      return body.text;
    case 'badUtf8':
      throw httpException(400, 'There was an error parsing the body');
    case 'badJson': {
      const before = body.text.slice(0, body.pos);
      const line = before.split('\n').length;
      const col = body.pos - before.lastIndexOf('\n');
      const msg = `Expecting value: line ${line} column ${col} (char ${body.pos})`;
      throw validationError([{ loc: ['body', body.pos], msg, type: 'value_error.jsondecode' }]);
    }
  }
}

/** A copy of a parsed body safe to keep for every request of a long benchmark. */
export function truncateForRecord(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.length > RECORD_STRING_LIMIT ? `${value.slice(0, 32)}…[${value.length} chars]` : value;
  }
  if (Array.isArray(value)) return value.map(truncateForRecord);
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, truncateForRecord(v)]));
  }
  return value;
}

export function recordedBody(body: ParsedBody): unknown {
  if (body.kind === 'json') return truncateForRecord(body.value);
  if (body.kind === 'bytes' || body.kind === 'badJson') return truncateForRecord(body.text);
  return null;
}

export function initImageLengths(body: ParsedBody): number[] | undefined {
  if (body.kind !== 'json' || !isPlainObject(body.value) || !Array.isArray(body.value['init_images'])) {
    return undefined;
  }
  return body.value['init_images'].map((image: unknown) => (typeof image === 'string' ? image.length : 0));
}
