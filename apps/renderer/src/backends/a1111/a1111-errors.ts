import { isAxiosError } from 'axios';
import { isRecord, parseJsonBody } from '../json-values.js';
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
    return new SdFailure(classifyHttpStatus(status, data), describeSdHttpError(status, data), status);
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
 * 401/403 and a missing /sdapi route are the server's set-up, not the job: the queue waits for the host to fix
 * them. "Invalid encoded image" is a 500 that the same request would get again.
 */
function classifyHttpStatus(status: number, rawBody: unknown): SdFailure['kind'] {
  if (status === 401 || status === 403) return 'setup';
  const body = parseJsonBody(rawBody);
  const detail = isRecord(body) ? body['detail'] : undefined;
  if (status === 404 && detail === 'Not Found') return 'setup';
  if (detail === 'Invalid encoded image') return 'rejected';
  return status >= 500 || status === 429 ? 'server' : 'rejected';
}

/**
 * Whether a failed request died on a kept-alive socket that the server had already closed while idle (a
 * reset before any answer). The server never saw that request, so it is sent again on a fresh connection
 * without costing an attempt. Needs the native ClientRequest (axios with maxRedirects 0) for `reusedSocket`.
 */
export function isReusedSocketReset(error: unknown): boolean {
  if (!isAxiosError(error) || error.response) return false;
  const request = error.request as { reusedSocket?: boolean } | undefined;
  const code = error.code ?? (error.cause as { code?: string } | undefined)?.code ?? '';
  return request?.reusedSocket === true && (RESET_CODES.has(code) || /socket hang up/i.test(error.message));
}

/**
 * Summarises an A1111 error answer for the admin. Three body shapes exist (branch on the status first):
 * FastAPI 422 `{detail: [{loc, msg, type}]}`, route errors `{detail: "Not Found"}`, and anything raised inside A1111
 * `{error, detail, body, errors}`; a proxy in front of SD may answer with HTML.
 */
export function describeSdHttpError(status: number, rawBody: unknown): string {
  const body = parseJsonBody(rawBody);
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
    if (status === 401 || status === 403)
      return truncate(`Stable Diffusion refused our credentials: check SD_AUTH (${status} ${text})`);
    if (status === 404 && detailText === 'Not Found') {
      return 'Stable Diffusion answers, but its API is off: start it with --api (404 Not Found on /sdapi)';
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

function textOfHtml(text: string): string {
  return text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

function truncate(text: string): string {
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text;
}
