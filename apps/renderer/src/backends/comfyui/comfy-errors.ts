import { isAxiosError } from 'axios';
import { toSdFailure } from '../a1111/a1111-errors.js';
import { isRecord, parseJsonBody } from '../json-values.js';
import { SdFailure } from '../sd-failure.js';

const MAX_REASON = 1000;

function truncate(text: string): string {
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text;
}

/** Turns what axios threw on a ComfyUI call into the queue's failure vocabulary. */
export function comfyFailure(error: unknown, context: { sdUrl: string; path: string }): SdFailure {
  if (error instanceof SdFailure) return error;
  if (!isAxiosError(error) || !error.response) {
    return toSdFailure(error, {
      sdUrl: context.sdUrl,
      readTimeoutMs: Number(error && (error as { config?: { timeout?: number } }).config?.timeout) || 0,
    });
  }
  const { status, data } = error.response;
  if (status === 401 || status === 403) {
    return new SdFailure(
      'setup',
      status === 403
        ? 'ComfyUI refused us (403): its origin check or the proxy in front of it does not let the renderer in'
        : 'ComfyUI (or the proxy in front of it) refused our credentials: check SD_AUTH (401)',
      status,
    );
  }
  if (status === 404 || status === 405) {
    return new SdFailure(
      'setup',
      `SD_URL does not answer like ComfyUI (${status} on ${context.path}): is it a ComfyUI server?`,
      status,
    );
  }
  if (status === 400 && context.path === '/prompt') {
    return new SdFailure('rejected', describeValidationError(parseJsonBody(data)), status);
  }
  const text =
    typeof parseJsonBody(data) === 'string'
      ? String(parseJsonBody(data)).replace(/\s+/g, ' ').trim().slice(0, 200)
      : '';
  return new SdFailure(
    status >= 500 || status === 429 ? 'server' : 'rejected',
    truncate(`ComfyUI answered HTTP ${status} on ${context.path}${text ? `: ${text}` : ''}`),
    status,
  );
}

/** A 400 from POST /prompt: the error and each node's errors, e.g. "KSampler: Value not in list: …". */
export function describeValidationError(body: unknown): string {
  if (!isRecord(body)) return 'ComfyUI refused the workflow (400)';
  const error = isRecord(body['error']) ? body['error'] : {};
  const parts: string[] = [];
  const head = [error['message'], error['details']]
    .filter((v) => typeof v === 'string' && v !== '')
    .join(': ');
  const nodes = isRecord(body['node_errors']) ? body['node_errors'] : {};
  for (const [id, node] of Object.entries(nodes).slice(0, 5)) {
    if (!isRecord(node)) continue;
    const errors = Array.isArray(node['errors']) ? node['errors'] : [];
    for (const item of errors.slice(0, 3)) {
      if (!isRecord(item)) continue;
      const text = [item['message'], item['details']]
        .filter((v) => typeof v === 'string' && v !== '')
        .join(': ');
      parts.push(`${typeof node['class_type'] === 'string' ? node['class_type'] : 'node'} #${id}: ${text}`);
    }
  }
  return truncate(`ComfyUI refused the workflow: ${[head || 'invalid workflow', ...parts].join('; ')}`);
}

/** Exceptions that the same job would raise again (a bad picture, a bad value), as opposed to a GPU fault. */
const DETERMINISTIC = /UnidentifiedImageError|ValueError|KeyError|FileNotFoundError|TypeError/;

/** An `execution_error` message (WebSocket or history) for our prompt. */
export function executionFailure(data: Record<string, unknown>): SdFailure {
  const type = typeof data['exception_type'] === 'string' ? data['exception_type'] : 'error';
  const message = typeof data['exception_message'] === 'string' ? data['exception_message'].trim() : '';
  const nodeType = typeof data['node_type'] === 'string' ? data['node_type'] : 'a node';
  const firstLine = (message.split('\n')[0] ?? '').trim();
  if (/OutOfMemoryError/.test(type) || /out of memory/i.test(firstLine)) {
    return new SdFailure(
      'server',
      truncate(`ComfyUI ran out of memory in ${nodeType} (${firstLine}); try a smaller size`),
    );
  }
  return new SdFailure(
    DETERMINISTIC.test(type) ? 'rejected' : 'server',
    truncate(`ComfyUI failed in ${nodeType}: ${type}${firstLine ? `: ${firstLine}` : ''}`),
  );
}
