import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import {
  DEFAULT_GENERATION_SETTINGS,
  LINK_HELLO_PATTERN,
  LinkClientSession,
  LinkHelloReplySchema,
  RENDERER_MAX_FRAME_BYTES,
  RENDERER_PROOF_METADATA_KEY,
  RendererContract,
  RendererPattern,
  type RenderJob,
  type RendererReply,
  type RendererRequest,
} from '#contracts';
import { firstValueFrom, timeout } from 'rxjs';
import type { Benchmark, QualityCheck } from './lib/benchmark.js';
import { BENCH_RENDERER_TOKEN, startFakeSd, startRendererProcess } from './lib/pipeline-stack.js';
import { freePort, residentBytes, type BuiltProcess } from './lib/processes.js';
import { count } from './lib/stats.js';
import { printTable } from './lib/table.js';

const JOBS = 10_000;
const BATCH = 1000;
const WARMUP_JOBS = 100;
/** Not a DESIGN.md bar: a sanity bound for "a queued job costs about its prompt, not a copy of everything". */
const TARGET_BYTES_PER_JOB = 2048;

const NEGATIVE_PROMPT =
  'blurry, low quality, jpeg artifacts, watermark, signature, text, extra fingers, deformed hands, bad anatomy, ' +
  'cropped, out of frame, duplicate, morbid, mutilated, poorly drawn face, mutation, ugly, disfigured';

/** A realistic job: a unique prompt of 60–240 characters, the admin's settings, an author colour. */
function job(suggestionId: number): RenderJob {
  const words = [
    'a lighthouse',
    'in a storm',
    'oil painting',
    'golden hour',
    'a fox',
    'wearing a hat',
    'cinematic lighting',
    'watercolour',
    'on the moon',
    'highly detailed',
    'by the sea',
    'neon city at night',
  ];
  const parts = [`#${suggestionId}`];
  for (let i = 0; parts.join(', ').length < 60 + ((suggestionId * 37) % 180); i++)
    parts.push(words[(suggestionId + i * 7) % words.length]);
  return {
    suggestionId,
    prompt: parts.join(', ').slice(0, 240),
    width: 512,
    height: 768,
    settings: { ...DEFAULT_GENERATION_SETTINGS, negativePrompt: NEGATIVE_PROMPT },
    colourHex: `#${((suggestionId * 2_654_435_761) % 0xffffff).toString(16).padStart(6, '0')}`,
  };
}

/**
 * A bare Nest TCP client speaking the renderer contract: one connection, the link handshake once, then
 * every packet signed as the gateway does.
 */
class ContractClient {
  private readonly proxy: ClientProxy;
  private session: LinkClientSession | null = null;

  constructor(port: number) {
    this.proxy = ClientProxyFactory.create({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port, maxBufferSize: RENDERER_MAX_FRAME_BYTES },
    });
    this.proxy.setOnDispatchHook((packet) => {
      if (packet.pattern === LINK_HELLO_PATTERN || !this.session) return;
      packet.metadata = {
        ...packet.metadata,
        [RENDERER_PROOF_METADATA_KEY]: this.session.sign(String(packet.pattern), packet.data),
      };
    });
  }

  async send<P extends RendererPattern>(pattern: P, request: RendererRequest<P>): Promise<RendererReply<P>> {
    await this.proxy.connect();
    if (!this.session) {
      const session = new LinkClientSession(BENCH_RENDERER_TOKEN);
      const hello = LinkHelloReplySchema.parse(
        await firstValueFrom(
          this.proxy.send(LINK_HELLO_PATTERN, session.hello()).pipe(timeout({ first: 30_000 })),
        ),
      );
      if (!session.accept(hello)) throw new Error('the renderer could not prove the bench token');
      this.session = session;
    }
    const reply = await firstValueFrom(this.proxy.send(pattern, request).pipe(timeout({ first: 30_000 })));
    return RendererContract[pattern].reply.parse(reply) as RendererReply<P>;
  }

  close(): void {
    this.proxy.close();
  }
}

async function enqueue(client: ContractClient, from: number, jobs: number): Promise<void> {
  for (let start = from; start < from + jobs; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, from + jobs - start) }, (_, i) => job(start + i));
    const { accepted } = await client.send(RendererPattern.Enqueue, { jobs: batch });
    if (accepted.length !== batch.length)
      throw new Error(`renderer accepted ${accepted.length} of ${batch.length}`);
  }
}

interface Sample {
  rss: number;
  rssAfterGc: number;
  heapUsed: number;
  external: number;
}

async function sample(renderer: BuiltProcess): Promise<Sample> {
  // Let any reply buffers and timers of the last messages settle first.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const rss = residentBytes(renderer.pid);
  const memory = await renderer.memory();
  return {
    rss,
    rssAfterGc: residentBytes(renderer.pid),
    heapUsed: memory.heapUsed,
    external: memory.external,
  };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)}`;

async function run(): Promise<QualityCheck[]> {
  const sd = await startFakeSd();
  let renderer: BuiltProcess | undefined;
  let client: ContractClient | undefined;
  try {
    // Paused and with SD hanging: nothing leaves the queue while it is measured.
    await sd.control('/fake/mode', { mode: 'hang' });
    const port = await freePort();
    renderer = await startRendererProcess(port, sd.url, { probe: true });
    client = new ContractClient(port);
    await client.send(RendererPattern.Pause, {});
    // A warm-up batch runs the same code paths (contract parsing, queue, settings pool) before "idle" is read.
    await enqueue(client, 1, WARMUP_JOBS);
    await client.send(RendererPattern.Status, {});
    const idle = await sample(renderer);
    await enqueue(client, WARMUP_JOBS + 1, JOBS);
    const status = await client.send(RendererPattern.Status, {});
    if (status.queueLength !== WARMUP_JOBS + JOBS || status.current !== null)
      throw new Error(`expected ${WARMUP_JOBS + JOBS} queued jobs, renderer reports ${status.queueLength}`);
    const loaded = await sample(renderer);
    const perJob = (key: keyof Sample) => (loaded[key] - idle[key]) / JOBS;
    const promptChars = Array.from({ length: JOBS }, (_, i) => job(WARMUP_JOBS + 1 + i).prompt.length).reduce(
      (sum, n) => sum + n,
      0,
    );
    printTable(
      `Renderer memory with ${count(JOBS)} queued jobs (renderer paused, fake SD hanging; one run)`,
      ['state', 'RSS MB', 'RSS after full GC MB', 'V8 heap used MB', 'external MB'],
      [
        [
          `idle (${WARMUP_JOBS} warm-up jobs queued)`,
          mb(idle.rss),
          mb(idle.rssAfterGc),
          mb(idle.heapUsed),
          mb(idle.external),
        ],
        [
          `${count(JOBS)} more jobs queued`,
          mb(loaded.rss),
          mb(loaded.rssAfterGc),
          mb(loaded.heapUsed),
          mb(loaded.external),
        ],
        [
          'bytes per job',
          count(perJob('rss')),
          count(perJob('rssAfterGc')),
          count(perJob('heapUsed')),
          count(perJob('external')),
        ],
      ],
      [
        `Enqueued over Nest TCP with a ClientProxy (each packet signed with a proof of the token), ${JOBS / BATCH} batches of ${BATCH} jobs; each job`,
        `  has a unique prompt (mean ${Math.round(promptChars / JOBS)} characters), 512×768, the same settings with a`,
        `  ${NEGATIVE_PROMPT.length}-character negative prompt. RSS from /proc/<pid>/status VmRSS; heap from`,
        '  process.memoryUsage() in the renderer after global.gc() (a bench-only preload, --expose-gc).',
      ],
    );
    const heapPerJob = perJob('heapUsed');
    return [
      {
        bar: `Renderer memory per queued job (${count(JOBS)} jobs; not a DESIGN.md bar)`,
        target: `< ${count(TARGET_BYTES_PER_JOB)} B heap/job`,
        measured: `${count(heapPerJob)} B heap/job, RSS ${mb(idle.rss)} → ${mb(loaded.rss)} MB`,
        met: heapPerJob < TARGET_BYTES_PER_JOB,
      },
    ];
  } catch (error) {
    if (renderer) console.error(`Renderer output (tail):\n${renderer.output().slice(-3000)}`);
    throw error;
  } finally {
    client?.close();
    await renderer?.stop();
    await sd.process.stop();
  }
}

export const rendererMemoryBenchmark: Benchmark = {
  name: 'renderer-memory',
  description: `renderer RSS and heap with ${count(JOBS)} jobs queued`,
  run,
};
