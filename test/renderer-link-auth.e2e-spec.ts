import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { RendererPattern, type RenderJob } from '#contracts';
import { DEFAULT_GENERATION_SETTINGS } from '#contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRendererConfig } from '../apps/renderer/src/config/renderer.config.js';
import { createRenderer, type StartedRenderer } from '../apps/renderer/src/setup.js';
import { makeTempDir, startGateway } from './gateway/harness.js';
import { eventually, freePort } from './pipeline/processes.js';
import { createRendererTestClient } from './support/renderer-test-client.js';

const TOKEN = 'link-auth-token-0123456789abcdef';

/** Every spelling of the token that would let someone who saw it use it. */
const TOKEN_SPELLINGS = [
  TOKEN,
  Buffer.from(TOKEN).toString('base64'),
  Buffer.from(TOKEN).toString('base64url'),
  Buffer.from(TOKEN).toString('hex'),
];

interface Frame {
  raw: string;
  packet: { pattern?: unknown; data?: unknown; id?: unknown; metadata?: Record<string, unknown> };
}

/** Splits Nest's TCP framing (`<length>#<json>`) into frames. */
function framesOf(text: string): Frame[] {
  const frames: Frame[] = [];
  let rest = text;
  for (;;) {
    const hash = rest.indexOf('#');
    if (hash < 0) break;
    const length = Number(rest.slice(0, hash));
    if (!Number.isInteger(length) || rest.length < hash + 1 + length) break;
    const raw = rest.slice(hash + 1, hash + 1 + length);
    frames.push({ raw, packet: JSON.parse(raw) as Frame['packet'] });
    rest = rest.slice(hash + 1 + length);
  }
  return frames;
}

const refused = (f: Frame) => (f.packet as { err?: { code?: string } }).err?.code === 'UNAUTHORIZED';

const frame = (body: object) => {
  const json = JSON.stringify(body);
  return `${json.length}#${json}`;
};

/**
 * A squatter on the renderer's port: records everything it is sent. `answer` lets it play a renderer
 * that does not know the token (it answers the hello with a made-up proof).
 */
async function startSquatter(port: number, answer: boolean) {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received.push(chunk);
      buffer += chunk;
      if (!answer) return;
      for (const { packet } of framesOf(buffer)) {
        if (packet.pattern === 'link.hello') {
          socket.write(
            frame({
              id: packet.id,
              response: { nonce: 'A'.repeat(43), proof: '0'.repeat(64) },
              isDisposed: true,
            }),
          );
        }
      }
      buffer = '';
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    text: () => received.join(''),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sends raw bytes on a fresh connection and collects every frame the peer answers within `ms`. */
async function replay(port: number, bytes: string, ms = 700): Promise<Frame[]> {
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (answer += chunk));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(bytes);
  await new Promise((resolve) => setTimeout(resolve, ms));
  socket.destroy();
  return framesOf(answer);
}

function job(suggestionId: number): RenderJob {
  return {
    suggestionId,
    prompt: `replayed job ${suggestionId}`,
    width: 512,
    height: 512,
    settings: DEFAULT_GENERATION_SETTINGS,
    colourHex: '#123456',
  };
}

async function startRenderer(port: number, extra: Record<string, string> = {}): Promise<StartedRenderer> {
  return createRenderer(
    parseRendererConfig({
      RENDERER_HOST: '127.0.0.1',
      RENDERER_PORT: String(port),
      RENDERER_TOKEN: TOKEN,
      ...extra,
    }),
    { logger: false },
  );
}

describe('the renderer link never gives the token away, and nothing it sends can be replayed', () => {
  const temp = makeTempDir('vernissage-link-auth-');
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.toReversed()) await cleanup();
    temp.cleanup();
  });

  it.each([
    ['a silent squatter', false],
    ['a squatter that answers the handshake without knowing the token', true],
  ])(
    '%s on the renderer port sees no token, nothing but a hello, and nothing that replays',
    async (_name, answer) => {
      const port = await freePort();
      const squatter = await startSquatter(port, answer);
      cleanups.push(() => squatter.close());
      const gateway = await startGateway(join(temp.dir, `squatted-${String(answer)}`), {
        RENDERER_PORT: String(port),
        RENDERER_TOKEN: TOKEN,
        RENDERER_TIMEOUT_MS: '500',
      });
      cleanups.push(() => gateway.close());
      // The link monitor knocks every second: give it a few tries.
      await eventually(
        () => framesOf(squatter.text()).length,
        (count) => count >= 2,
        8000,
        'the gateway to knock twice',
      );
      await gateway.close();
      const captured = squatter.text();
      for (const spelling of TOKEN_SPELLINGS) expect(captured).not.toContain(spelling);
      const frames = framesOf(captured);
      expect(frames.every((f) => f.packet.pattern === 'link.hello')).toBe(true);
      expect(
        frames.every((f) => f.packet.metadata === undefined || Object.keys(f.packet.metadata).length === 0),
      ).toBe(true);
      await squatter.close();

      // The real renderer on that port: everything the squatter captured, replayed, gets it nothing.
      const renderer = await startRenderer(port);
      cleanups.push(() => renderer.close());
      const answers = await replay(port, captured);
      for (const reply of answers) {
        const body = reply.packet as { response?: unknown; err?: { code?: string } };
        const isHelloReply =
          typeof body.response === 'object' && body.response !== null && 'nonce' in body.response;
        // A hello is answered (a fresh nonce: harmless), a second one on the connection refused.
        expect(
          isHelloReply || ['UNAUTHORIZED', 'INVALID_PAYLOAD'].includes(body.err?.code ?? ''),
          reply.raw,
        ).toBe(true);
      }
      const client = createRendererTestClient({ port, token: TOKEN });
      cleanups.push(() => client.close());
      expect(await client.call(RendererPattern.Status, {})).toMatchObject({ queueLength: 0, current: null });
      await renderer.close();
    },
  );

  it('frames recorded on a genuine link are refused when replayed, on a new connection or the same one', async () => {
    const rendererPort = await freePort();
    const renderer = await startRenderer(rendererPort, { RENDERER_AUTH_TIMEOUT_MS: '2000' });
    cleanups.push(() => renderer.close());
    // A relay in the middle that records what the client sends (and the answers), and can inject frames.
    let recorded = '';
    let answers = '';
    let upstream: Socket | undefined;
    const relay = createServer((client) => {
      upstream = connect(rendererPort, '127.0.0.1');
      client.on('data', (chunk: Buffer) => {
        recorded += chunk.toString('utf8');
        upstream!.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        answers += chunk.toString('utf8');
        client.write(chunk);
      });
      client.on('error', () => undefined);
      upstream.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => relay.close(() => resolve())));
    const relayPort = (relay.address() as AddressInfo).port;

    const client = createRendererTestClient({ port: relayPort, token: TOKEN });
    cleanups.push(() => client.close());
    expect(await client.call(RendererPattern.Pause, {})).toEqual({ paused: true });
    expect(await client.call(RendererPattern.Enqueue, { jobs: [job(41)] })).toEqual({ accepted: [41] });
    expect(await client.call(RendererPattern.Resume, {})).toEqual({ paused: false });
    for (const spelling of TOKEN_SPELLINGS) expect(recorded).not.toContain(spelling);
    const sent = framesOf(recorded);
    const pauseFrame = sent.find((f) => f.packet.pattern === RendererPattern.Pause)!;
    const enqueueFrame = sent.find((f) => f.packet.pattern === RendererPattern.Enqueue)!;
    expect(pauseFrame.packet.metadata?.proof).toMatch(/^\d+\.[0-9a-f]{64}$/);

    // On a new connection (its own handshake, so other nonces): every signed frame is refused.
    const fresh = await replay(rendererPort, recorded);
    expect(fresh.filter(refused)).toHaveLength(sent.length - 1);
    // On the same connection: the pause again (its sequence number is used up), and an altered enqueue.
    upstream!.write(frame({ ...pauseFrame.packet, id: 'replayed-pause' }));
    upstream!.write(frame({ ...enqueueFrame.packet, data: { jobs: [job(42)] }, id: 'altered-enqueue' }));
    await eventually(
      () =>
        framesOf(answers).filter((f) => ['replayed-pause', 'altered-enqueue'].includes(String(f.packet.id))),
      (replies) => replies.length === 2,
      2000,
      'the answers to the injected frames',
    );
    for (const reply of framesOf(answers).filter((f) => String(f.packet.id).includes('-'))) {
      expect(refused(reply), reply.raw).toBe(true);
    }
    const status = await client.call(RendererPattern.Status, {});
    expect(status.paused).toBe(false);
    expect(status.queuedIds).not.toContain(42);
    expect(status.current?.suggestionId).not.toBe(42);
  });

  it('closes connections that do not prove the token within RENDERER_AUTH_TIMEOUT_MS, and caps open ones', async () => {
    const port = await freePort();
    const renderer = await startRenderer(port, {
      RENDERER_AUTH_TIMEOUT_MS: '400',
      RENDERER_MAX_CONNECTIONS: '20',
    });
    cleanups.push(() => renderer.close());
    const sockets: Socket[] = [];
    const closed = new Set<Socket>();
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        const socket = connect(port, '127.0.0.1');
        sockets.push(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => closed.add(socket));
        await new Promise<void>((resolve) => {
          socket.once('connect', () => resolve());
          socket.once('close', () => resolve());
        });
      }),
    );
    // Beyond the cap, connections are closed at once…
    await eventually(
      () => closed.size,
      (count) => count >= 80,
      300,
      'connections beyond the cap to close',
    );
    expect(closed.size).toBeLessThan(100);
    // …and the idle ones within the deadline, a hello alone not being enough.
    const helloOnly = connect(port, '127.0.0.1');
    helloOnly.on('error', () => undefined);
    let helloClosed = false;
    helloOnly.on('close', () => (helloClosed = true));
    await eventually(
      () => closed.size,
      (count) => count === 100,
      2000,
      'idle connections to be closed',
    );
    helloOnly.write(frame({ pattern: 'link.hello', data: { nonce: 'B'.repeat(43) }, id: 'h1' }));
    await eventually(
      () => helloClosed,
      (done) => done,
      2000,
      'a hello-only connection to be closed',
    );
    // A genuine client is served all along.
    const client = createRendererTestClient({ port, token: TOKEN });
    cleanups.push(() => client.close());
    expect(await client.call(RendererPattern.Status, {})).toMatchObject({ queueLength: 0 });
    // It proved the token: it is not closed after the deadline.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await client.call(RendererPattern.Status, {})).toMatchObject({ queueLength: 0 });
  });
});
