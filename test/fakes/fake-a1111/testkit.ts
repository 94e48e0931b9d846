import { PNG } from 'pngjs';

/**
 * Small helpers for tests that talk to the fake (its own specs and other apps' e2e tests): JSON calls over
 * real HTTP, PNG text chunks, bounded polling.
 */

export interface JsonReply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export async function callJson<T = unknown>(
  url: string,
  init: {
    method?: string;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<JsonReply<T>> {
  const hasBody = init.body !== undefined || init.rawBody !== undefined;
  const res = await fetch(url, {
    method: init.method ?? (hasBody ? 'POST' : 'GET'),
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
    signal: init.signal ?? AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

/** The `parameters` text (tEXt or iTXt) and every chunk type, read straight from the PNG bytes. */
export function pngChunks(png: Buffer): { types: string[]; text: Record<string, string> } {
  const types: string[] = [];
  const text: Record<string, string> = {};
  for (let offset = 8; offset + 12 <= png.length;) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    types.push(type);
    const nul = data.indexOf(0);
    if (type === 'tEXt') text[data.toString('latin1', 0, nul)] = data.toString('latin1', nul + 1);
    if (type === 'iTXt') text[data.toString('latin1', 0, nul)] = data.subarray(nul + 5).toString('utf8');
    offset += 12 + length;
  }
  return { types, text };
}

export function decodePng(base64: string): {
  width: number;
  height: number;
  topPixel: [number, number, number];
} {
  const png = PNG.sync.read(Buffer.from(base64, 'base64'));
  return { width: png.width, height: png.height, topPixel: [png.data[0]!, png.data[1]!, png.data[2]!] };
}

/** Polls until `probe` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Another client of the same server (a person in the web UI, another tool): sends its own txt2img with its own
 * task id and waits for the answer. Resolves with the status and whether its image came back cut short.
 */
export async function otherClientJob(
  url: string,
  body: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; interrupted: boolean; taskId: string }> {
  const taskId = `other-client-${Math.random().toString(36).slice(2)}`;
  const reply = await callJson<{ images?: string[]; info?: string }>(`${url}/sdapi/v1/txt2img`, {
    body: { prompt: 'someone else', steps: 20, width: 64, height: 64, force_task_id: taskId, ...body },
    headers,
    signal: AbortSignal.timeout(30_000),
  });
  // The fake draws a partial (interrupted) sample grey: the infotext is the same, so read the image.
  const first = reply.body?.images?.[0];
  const interrupted = first ? decodePng(first).topPixel.join() === '128,128,128' : false;
  return { status: reply.status, interrupted, taskId };
}
