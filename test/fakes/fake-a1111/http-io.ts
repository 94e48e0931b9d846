import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { pyFloatRepr } from './python.js';

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A1111's middleware: `X-Process-Time` is str(round(seconds, 4)), e.g. "0.0123". */
export function processTime(startedAt: number): string {
  return pyFloatRepr(Number(((performance.now() - startedAt) / 1000).toFixed(4)));
}

/** GZipMiddleware(minimum_size=1000) as A1111 installs it. */
const GZIP_MIN_BYTES = 1000;

export interface SendOptions {
  startedAt: number;
  gzip: boolean;
  headers?: Record<string, string>;
}

export function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  payload: unknown,
  opts: SendOptions,
): void {
  if (res.destroyed || res.headersSent) return;
  let body = Buffer.from(JSON.stringify(payload) ?? 'null');
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-process-time': processTime(opts.startedAt),
    ...opts.headers,
  };
  if (opts.gzip && body.length >= GZIP_MIN_BYTES && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
    body = gzipSync(body, { level: 1 });
    headers['content-encoding'] = 'gzip';
    headers['vary'] = 'Accept-Encoding';
  }
  headers['content-length'] = String(body.length);
  res.writeHead(status, headers);
  res.end(body);
}

/** Starts a 200 response and breaks the TCP connection halfway through the body (RST, so clients see ECONNRESET). */
export function sendThenReset(res: ServerResponse, payload: unknown, startedAt: number): void {
  if (res.destroyed) return;
  const body = Buffer.from(JSON.stringify(payload));
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': String(body.length),
    'x-process-time': processTime(startedAt),
  });
  res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.resetAndDestroy());
}
