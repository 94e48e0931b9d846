import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { sendJson } from './http-io.js';
import { FAKE_MODES, type FakeA1111, type FakeMode } from './types.js';

/**
 * /fake/* routes that let another process drive the fake (the process entry turns them on). They are
 * not A1111 routes: never recorded, never behind auth.
 */

const ModeSchema = z.object({
  mode: z.enum(FAKE_MODES as [FakeMode, ...FakeMode[]]),
  failTimes: z.number().int().min(0).optional(),
  /** Reverts to 'normal' after this long; the only way back from 'refuse', since refusing closes this route too. */
  forMs: z.number().int().min(0).optional(),
});

const DelaysSchema = z.object({
  stepDelayMs: z.number().min(0).optional(),
  fixedDelayMs: z.number().min(0).nullable().optional(),
  modelLoadMs: z.number().min(0).optional(),
});

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

export async function handleControl(
  fake: FakeA1111,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  raw: Buffer,
): Promise<void> {
  const send = (status: number, payload: unknown) =>
    sendJson(req, res, status, payload, { startedAt: performance.now(), gzip: false });
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'GET /fake/stats':
      return send(200, fake.stats());
    case 'GET /fake/requests':
      return send(200, fake.requests);
    case 'POST /fake/reset':
      fake.reset();
      return send(200, { ok: true });
    case 'POST /fake/delays': {
      const parsed = DelaysSchema.safeParse(parseJson(raw));
      if (!parsed.success) return send(400, { error: z.prettifyError(parsed.error) });
      fake.setDelays(parsed.data);
      return send(200, { ok: true });
    }
    case 'POST /fake/mode': {
      const parsed = ModeSchema.safeParse(parseJson(raw));
      if (!parsed.success) return send(400, { error: z.prettifyError(parsed.error) });
      const { mode, ...opts } = parsed.data;
      if (mode === 'refuse') {
        // Answer first: refusing drops every connection, this one included.
        res.once('finish', () => void fake.setMode(mode, opts).catch(() => undefined));
        return send(200, { mode });
      }
      await fake.setMode(mode, opts);
      return send(200, { mode });
    }
    default:
      return send(404, { detail: 'Not Found' });
  }
}
