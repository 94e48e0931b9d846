import { isAxiosError } from 'axios';
import { SdFailure } from '../sd-failure.js';

/** Set on the socket error by the connect-timeout agent, so a slow connect reads as "unreachable". */
export const SD_CONNECT_TIMEOUT_CODE = 'SD_CONNECT_TIMEOUT';

const MAX_REASON = 1000;

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  SD_CONNECT_TIMEOUT_CODE,
]);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ECONNABORTED_BY_PEER']);

interface ErrorContext {
  /** Where SD is, for messages that tell the operator what to check. */
  sdUrl: string;
  readTimeoutMs: number;
}

/** Turns whatever axios (or the network under it) threw into the queue's failure vocabulary. */
export function toSdFailure(error: unknown, context: ErrorContext): SdFailure {
  if (error instanceof SdFailure) return error;
  if (isAxiosError(error) && error.response) {
    const { status, data } = error.response;
    return new SdFailure(
      status >= 500 || status === 429 ? 'server' : 'rejected',
      describeSdHttpError(status, data),
      status,
    );
  }
  const err = error as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code ?? '';
  const message = err.message ?? String(error);
  if (code === 'ERR_CANCELED' || err.name === 'CanceledError') {
    return new SdFailure('cancelled', 'The request to Stable Diffusion was cancelled');
  }
  if (UNREACHABLE_CODES.has(code)) {
    const what =
      code === SD_CONNECT_TIMEOUT_CODE
        ? 'connection timed out'
        : code === 'ECONNREFUSED'
          ? 'connection refused'
          : code;
    return new SdFailure('unreachable', `Stable Diffusion is unreachable at ${context.sdUrl} (${what})`);
  }
  // axios reports its own read timeout as ECONNABORTED ("timeout of N ms exceeded"), or ETIMEDOUT when
  // clarifyTimeoutError is on; a bare ETIMEDOUT from the OS is a connect that never completed.
  if ((code === 'ECONNABORTED' || code === 'ETIMEDOUT') && /timeout/i.test(message)) {
    const seconds = Math.round(context.readTimeoutMs / 100) / 10;
    return new SdFailure('timeout', `Stable Diffusion did not answer within ${seconds} s (read timeout)`);
  }
  if (code === 'ETIMEDOUT') {
    return new SdFailure(
      'unreachable',
      `Stable Diffusion is unreachable at ${context.sdUrl} (connection timed out)`,
    );
  }
  if (RESET_CODES.has(code) || /socket hang up|aborted/i.test(message)) {
    return new SdFailure(
      'reset',
      `The connection to Stable Diffusion dropped mid-request (${code || message})`,
    );
  }
  return new SdFailure(
    'server',
    truncate(`Request to Stable Diffusion failed: ${code ? `${code} ` : ''}${message}`),
  );
}

/**
 * Summarises an A1111 error answer for the admin. Three body shapes exist (branch on the status first):
 * FastAPI 422 `{detail: [{loc, msg, type}]}`, route errors `{detail: "Not Found"}`, and anything raised inside A1111
 * `{error, detail, body, errors}`; a proxy in front of SD may answer with HTML.
 */
export function describeSdHttpError(status: number, rawBody: unknown): string {
  const body = parseBody(rawBody);
  if (isRecord(body)) {
    const detail = body['detail'];
    if (Array.isArray(detail)) {
      const items = detail.slice(0, 5).map(describeValidationItem);
      const more = detail.length > 5 ? `; and ${detail.length - 5} more` : '';
      return truncate(`Stable Diffusion rejected the request (${status}): ${items.join('; ')}${more}`);
    }
    const errorClass = typeof body['error'] === 'string' ? body['error'] : '';
    const detailText = typeof detail === 'string' ? detail : '';
    const errorsText = typeof body['errors'] === 'string' ? body['errors'] : '';
    const text = [detailText, errorsText].filter(Boolean).join(': ') || errorClass;
    if (errorClass === 'OutOfMemoryError' || /out of memory/i.test(`${errorClass} ${text}`)) {
      return truncate(`Stable Diffusion ran out of memory (${text || errorClass}); try a smaller size`);
    }
    if (status === 401)
      return truncate(`Stable Diffusion refused our credentials (401 ${text}): check SD_AUTH`);
    if (status === 404 && detailText === 'Not Found') {
      return `Stable Diffusion has no such API route (404 Not Found): is the web UI started with --api?`;
    }
    if (text) {
      const label = errorClass && errorClass !== text ? `${errorClass}: ` : '';
      return truncate(`Stable Diffusion failed (${status} ${label}${text})`);
    }
  }
  const snippet = typeof body === 'string' ? textOfHtml(body) : '';
  return truncate(`Stable Diffusion answered HTTP ${status}${snippet ? `: ${snippet}` : ''}`);
}

function describeValidationItem(item: unknown): string {
  if (!isRecord(item)) return String(item);
  const loc = Array.isArray(item['loc']) ? item['loc'].filter((part) => part !== 'body').join('.') : '';
  const msg = typeof item['msg'] === 'string' ? item['msg'] : 'invalid';
  return loc ? `${loc}: ${msg}` : msg;
}

function parseBody(body: unknown): unknown {
  if (Buffer.isBuffer(body)) body = body.toString('utf8');
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

function textOfHtml(text: string): string {
  return text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function truncate(text: string): string {
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text;
}
