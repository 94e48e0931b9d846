import { existsSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, HTML, makeTempDir, openHome, startGateway, type TestGateway } from './gateway/harness.js';
import { solidPng } from './support/gallery-fixtures.js';

const MB = 1024 * 1024;
const BOUNDARY = '----vernissage-upload-test';

interface UploadOptions {
  path: string;
  /** Size of the file part. */
  bytes: number;
  headers?: Record<string, string>;
  /** Pause between 1 MB chunks, to keep an upload in flight for a while. */
  chunkDelayMs?: number;
  /** The file's first bytes (an image), the rest is filler. */
  head?: Buffer;
}

interface UploadAnswer {
  status: number;
  body: string;
}

/**
 * A multipart prompt with a big `image` part, streamed from one reused 1 MB buffer, so the test itself
 * never holds the body. Resolves with the answer; a connection the server closes after answering early
 * (while the body is still being sent) still counts as that answer.
 */
function upload(url: string, options: UploadOptions): Promise<UploadAnswer> {
  const fields =
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nan uploaded picture\r\n` +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="width"\r\n\r\n512\r\n` +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="height"\r\n\r\n512\r\n` +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`;
  const tail = `\r\n--${BOUNDARY}--\r\n`;
  const head = options.head ?? Buffer.alloc(0);
  const filler = Buffer.alloc(MB, 0x41);
  const length = Buffer.byteLength(fields) + options.bytes + Buffer.byteLength(tail);
  return new Promise((resolve, reject) => {
    // Set once the answer is in; the writer stops sending then.
    const state: { answer?: UploadAnswer } = {};
    const req = httpRequest(`${url}${options.path}`, {
      method: 'POST',
      headers: {
        'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
        'Content-Length': String(length),
        Accept: 'application/json',
        ...options.headers,
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        state.answer = { status: res.statusCode ?? 0, body };
        resolve(state.answer);
      });
      res.on('error', () => state.answer ?? resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (error) => {
      // The server may close the connection once it has answered; the answer is what counts.
      if (!state.answer) setTimeout(() => (state.answer ? resolve(state.answer) : reject(error)), 200);
    });
    (async () => {
      const write = (chunk: Buffer | string) =>
        new Promise<void>((done) => (req.write(chunk) ? done() : req.once('drain', () => done())));
      await write(fields);
      if (head.length) await write(head);
      let left = options.bytes - head.length;
      while (left > 0 && !req.destroyed && !state.answer) {
        const size = Math.min(MB, left);
        await write(size === MB ? filler : filler.subarray(0, size));
        left -= size;
        if (options.chunkDelayMs) await new Promise((r) => setTimeout(r, options.chunkDelayMs));
      }
      if (!req.destroyed && !state.answer) req.end(tail);
    })().catch(() => undefined);
  });
}

/** Samples this process's RSS (the gateway runs in it) while `work` runs; the highest value seen. */
async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  try {
    const result = await work();
    return { result, peak: Math.max(peak, process.memoryUsage.rss()) };
  } finally {
    clearInterval(sampler);
  }
}

describe('picture uploads: authorised before the body is read, streamed to disk, a few at a time', () => {
  const temp = makeTempDir('vernissage-uploads-');
  let gateway: TestGateway;
  const incoming = () => join(gateway.config.uploadDir, 'incoming');
  const leftovers = () => (existsSync(incoming()) ? readdirSync(incoming()) : []);

  beforeAll(async () => {
    gateway = await startGateway(temp.dir, { SUBMISSIONS_PER_MINUTE: '100', MAX_PENDING_PER_GUEST: '50' });
  });
  afterAll(async () => {
    await gateway?.close();
    temp.cleanup();
  });

  it('16 unauthenticated 60 MB uploads at once are refused without being buffered', async () => {
    const before = process.memoryUsage.rss();
    const { result: answers, peak } = await peakRss(() =>
      Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          upload(gateway.url, { path: i % 2 ? '/api/prompts' : '/prompts', bytes: 60 * MB }),
        ),
      ),
    );
    // No session: the API answers 401; the form (no session, so no CSRF token either) 403.
    expect(answers.map((answer) => answer.status).toSorted()).toEqual([
      ...Array(8).fill(401),
      ...Array(8).fill(403),
    ]);
    // 16 × 60 MB would be almost a gigabyte held in memory; a generous bound for everything else.
    expect(peak - before).toBeLessThan(200 * MB);
    expect(leftovers()).toEqual([]);
  });

  it('a guest’s upload is streamed to a temporary file under UPLOAD_DIR and removed afterwards', async () => {
    const agent = browser(gateway.url, 'Phone/uploader');
    const { csrf } = await openHome(agent);
    const cookie = agent.jar
      .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
      .toValueString();
    const headers = { Cookie: cookie, 'User-Agent': 'Phone/uploader', 'Accept-Language': 'en-GB,en;q=0.9' };

    // A real picture, as the form sends it (the CSRF token in the action's query string).
    const png = solidPng(64, 64, [200, 40, 40]);
    const sent = await upload(gateway.url, {
      path: `/prompts?_csrf=${encodeURIComponent(csrf)}`,
      bytes: png.length,
      head: png,
      headers,
    });
    expect(sent.status).toBe(201);
    const id = (JSON.parse(sent.body) as { id: number }).id;
    const stored = readdirSync(gateway.config.uploadDir).filter((name) => name.endsWith('.png'));
    expect(stored).toHaveLength(1);

    // 60 MB that is not a picture: read from disk, refused by content, nothing kept, memory bounded.
    const before = process.memoryUsage.rss();
    const { result: junk, peak } = await peakRss(() =>
      upload(gateway.url, {
        path: '/api/prompts',
        bytes: 60 * MB,
        headers: { ...headers, 'x-csrf-token': csrf },
      }),
    );
    expect(junk.status).toBe(400);
    expect(JSON.parse(junk.body)).toMatchObject({ message: 'That file is not an image we can read' });
    expect(peak - before).toBeLessThan(100 * MB);
    expect(leftovers()).toEqual([]);
    expect(readdirSync(gateway.config.uploadDir).filter((name) => name.endsWith('.png'))).toEqual(stored);
    expect(id).toBeGreaterThan(0);

    // Over the cap: 413, and the partial file is gone too.
    const tooBig = await upload(gateway.url, {
      path: '/api/prompts',
      bytes: 64 * MB + 1,
      headers: { ...headers, 'x-csrf-token': csrf },
    });
    expect(tooBig.status).toBe(413);
    expect(leftovers()).toEqual([]);
    // Declared larger than the cap: refused before a byte of it is read.
    const declared = await upload(gateway.url, {
      path: '/api/prompts',
      bytes: 80 * MB,
      headers: { ...headers, 'x-csrf-token': csrf },
    });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ message: 'That picture is larger than 64 MB.' });
  });

  it('a multipart form without its CSRF token in the query string or header is refused before its body', async () => {
    const agent = browser(gateway.url, 'Phone/no-token');
    const { csrf } = await openHome(agent);
    const cookie = agent.jar
      .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
      .toValueString();
    const headers = { Cookie: cookie, 'User-Agent': 'Phone/no-token', 'Accept-Language': 'en-GB,en;q=0.9' };
    const refused = await upload(gateway.url, { path: '/prompts', bytes: 30 * MB, headers });
    expect(refused.status).toBe(403);
    const wrong = await upload(gateway.url, { path: '/prompts?_csrf=not-the-token', bytes: MB, headers });
    expect(wrong.status).toBe(403);
    const page = await agent.get('/').set('Accept', HTML);
    expect(page.text).toContain(`action="/prompts?_csrf=${csrf}"`);
  });

  it('at most two uploads of one guest are in flight at a time; the others get 429 at once', async () => {
    const agent = browser(gateway.url, 'Phone/many-uploads');
    const { csrf } = await openHome(agent);
    const cookie = agent.jar
      .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
      .toValueString();
    const headers = {
      Cookie: cookie,
      'User-Agent': 'Phone/many-uploads',
      'Accept-Language': 'en-GB,en;q=0.9',
      'x-csrf-token': csrf,
    };
    const slow = [0, 1].map(() =>
      upload(gateway.url, { path: '/api/prompts', bytes: 8 * MB, chunkDelayMs: 150, headers }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const extra = await Promise.all(
      [0, 1, 2].map(() => upload(gateway.url, { path: '/api/prompts', bytes: 8 * MB, headers })),
    );
    expect(extra.map((answer) => answer.status)).toEqual([429, 429, 429]);
    expect((await Promise.all(slow)).map((answer) => answer.status)).toEqual([400, 400]);
    // Once they are done, the guest may upload again.
    expect((await upload(gateway.url, { path: '/api/prompts', bytes: MB, headers })).status).toBe(400);
    expect(leftovers()).toEqual([]);
  });
});
