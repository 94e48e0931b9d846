import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Browser } from '../gateway/harness.js';

export interface ReceivedEvent {
  type: string;
  data: Record<string, unknown>;
}

/** A minimal EventSource over node:http, with the browser's cookie and User-Agent. */
export function openStream(url: string, agent: Browser, userAgent: string) {
  const events: ReceivedEvent[] = [];
  let response: IncomingMessage | undefined;
  let ended = false;
  const cookies = agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false });
  const req = httpRequest(url, {
    headers: {
      Accept: 'text/event-stream',
      Cookie: cookies.toValueString(),
      'User-Agent': userAgent,
      'Accept-Language': 'en-GB,en;q=0.9',
    },
  });
  const ready = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      response = res;
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const type = /^event: (.+)$/m.exec(block)?.[1] ?? 'message';
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (data) events.push({ type, data: JSON.parse(data) as Record<string, unknown> });
        }
      });
      res.on('end', () => (ended = true));
      res.on('close', () => (ended = true));
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
  req.end();
  return { events, ready, isEnded: () => ended, close: () => response?.destroy() ?? req.destroy() };
}
