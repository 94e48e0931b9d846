import { Agent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveStreams, STREAMS_PER_SESSION } from '../apps/gateway/src/live/live-streams.service.js';
import {
  becomeAdmin,
  browser,
  csrfFrom,
  HTML,
  makeTempDir,
  openHome,
  startGateway,
  type Browser,
  type TestGateway,
} from './gateway/harness.js';
import { eventually } from './pipeline/processes.js';

const MAX_STREAMS = 8;

interface OpenStream {
  status: number;
  retryAfter?: string;
  /** Everything received so far, raw (comments included). */
  text: () => string;
  close: () => void;
}

/** Opens one event stream with the browser's cookie; resolves once the answer's head is in. */
function openStream(
  url: string,
  agent: Browser,
  agentPool: Agent,
  userAgent = 'Phone/live-limits',
): Promise<OpenStream> {
  const cookie = agent.jar
    .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
    .toValueString();
  return new Promise((resolve, reject) => {
    let received = '';
    let response: IncomingMessage | undefined;
    const req: ClientRequest = httpRequest(url, {
      agent: agentPool,
      headers: {
        Accept: 'text/event-stream',
        Cookie: cookie,
        'User-Agent': userAgent,
        'Accept-Language': 'en-GB,en;q=0.9',
      },
    });
    req.on('response', (res) => {
      response = res;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (received += chunk));
      res.on('error', () => undefined);
      resolve({
        status: res.statusCode ?? 0,
        retryAfter: res.headers['retry-after'] as string | undefined,
        text: () => received,
        close: () => response?.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('live update streams: caps per session and in all, heartbeats', () => {
  const temp = makeTempDir('vernissage-live-limits-');
  let gateway: TestGateway;
  // Plenty of sockets, no keep-alive: every stream is a connection of its own, as in a browser.
  const pool = new Agent({ keepAlive: false, maxSockets: 2000 });

  beforeAll(async () => {
    gateway = await startGateway(temp.dir, {
      MAX_EVENT_STREAMS: String(MAX_STREAMS),
      EVENT_HEARTBEAT_S: '1',
    });
  });
  afterAll(async () => {
    pool.destroy();
    await gateway?.close();
    temp.cleanup();
  });

  const liveStreams = () => gateway.app.get(LiveStreams);

  /** A guest with a colour (each on a device of its own), and a stream opener with its cookie and headers. */
  async function guest(name: string) {
    const ua = `Phone/limits-${name}`;
    const agent = browser(gateway.url, ua);
    await openHome(agent);
    return { agent, stream: (path = '/events') => openStream(`${gateway.url}${path}`, agent, pool, ua) };
  }

  it('one session opening 1000 streams gets a handful; the rest are refused with 429 at once', async () => {
    const greedy = await guest('greedy');
    const streams: OpenStream[] = [];
    // In batches, so the test itself stays bounded (at most 100 connections being set up at a time).
    for (let batch = 0; batch < 10; batch++) {
      streams.push(...(await Promise.all(Array.from({ length: 100 }, () => greedy.stream()))));
    }
    const open = streams.filter((stream) => stream.status === 200);
    const refused = streams.filter((stream) => stream.status === 429);
    expect(open).toHaveLength(STREAMS_PER_SESSION);
    expect(refused).toHaveLength(1000 - STREAMS_PER_SESSION);
    expect(refused[0].retryAfter).toMatch(/^\d+$/);

    // Closing one frees its slot for this session again.
    open[0].close();
    await eventually(
      () => liveStreams().count,
      (count) => count === STREAMS_PER_SESSION - 1,
      3000,
      'the slot',
    );
    const again = await greedy.stream();
    expect(again.status).toBe(200);
    again.close();
    for (const stream of streams) stream.close();
  });

  it('all sessions together get MAX_EVENT_STREAMS; then 503, and the host page falls back to refreshing', async () => {
    const guests = await Promise.all(Array.from({ length: MAX_STREAMS }, (_, i) => guest(`crowd-${i}`)));
    // Whatever the previous test left open has closed by now.
    await eventually(
      () => liveStreams().count,
      (count) => count === 0,
      3000,
      'streams of the previous test to close',
    );
    const held = await Promise.all(guests.map((one) => one.stream()));
    try {
      expect(held.map((stream) => stream.status)).toEqual(Array(MAX_STREAMS).fill(200));
      const late = await (await guest('late')).stream();
      expect(late.status).toBe(503);
      expect(late.retryAfter).toMatch(/^\d+$/);
      // The host's stream is refused the same way (its page then re-reads the queue every few seconds).
      const host = await guest('host');
      await becomeAdmin(gateway, host.agent);
      expect((await host.stream('/admin/events')).status).toBe(503);
      const page = await host.agent.get('/admin').set('Accept', HTML);
      expect(page.status).toBe(200);
    } finally {
      for (const stream of held) stream.close();
    }
  });

  it('an idle guest stream carries a heartbeat comment every EVENT_HEARTBEAT_S, and still its events', async () => {
    const idle = await guest('idle');
    await eventually(
      () => liveStreams().count,
      (count) => count === 0,
      3000,
      'streams of the previous test to close',
    );
    const stream = await idle.stream();
    expect(stream.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2600));
    expect(stream.text().match(/^: keep-alive$/gm)?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(stream.text()).not.toContain('event:');
    // A real event still comes through between the beats.
    const home = await openHome(idle.agent);
    const sent = await idle.agent
      .post('/prompts')
      .set('Accept', 'application/json')
      .set('x-csrf-token', home.csrf)
      .send({ prompt: 'heard through the beats', width: 512, height: 512 });
    expect(sent.status).toBe(201);
    const host = await guest('approver');
    await becomeAdmin(gateway, host.agent);
    const csrf = csrfFrom((await host.agent.get('/admin').set('Accept', HTML)).text);
    const approved = await host.agent
      .post(`/admin/prompts/${sent.body.id as number}/approve`)
      .set('Accept', 'application/json')
      .set('x-csrf-token', csrf);
    expect(approved.status).toBe(200);
    await eventually(
      () => stream.text(),
      (text) => text.includes('event: suggestion.status'),
      2000,
      'the status event',
    );
    stream.close();
  });
});
