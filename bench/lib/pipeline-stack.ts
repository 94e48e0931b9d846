import { watch, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { csrfFrom, HTML, HttpClient, sessionCookieFrom } from './http-client.js';
import { freePort, startBuilt, stopAll, type BuiltProcess } from './processes.js';

/** What GET /fake/stats answers (the fields the benchmarks read). */
export interface FakeSdStats {
  generations: number;
  busyMs: number;
  firstStartAt: number | null;
  lastEndAt: number | null;
  interrupts: number;
  failures: number;
  jobs: { kind: string; startAt: number; endAt: number; outcome: string }[];
}

export interface FakeSd {
  url: string;
  process: BuiltProcess;
  control(path: string, body: unknown): Promise<void>;
  stats(): Promise<FakeSdStats>;
}

/** The fake AUTOMATIC1111 server as its own process (dist/test/fakes/fake-a1111/main.js), on loopback. */
export async function startFakeSd(args: string[] = []): Promise<FakeSd> {
  const child = startBuilt('test/fakes/fake-a1111/main.js', {}, { args: ['--port', '0', ...args] });
  try {
    const url = (await child.waitFor(/FAKE_A1111_URL=(\S+)/))[1];
    return {
      url,
      process: child,
      control: async (path, body) => {
        const res = await fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (!res.ok) throw new Error(`fake SD ${path} answered ${res.status}: ${await res.text()}`);
      },
      stats: async () => (await (await fetch(`${url}/fake/stats`)).json()) as FakeSdStats,
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

export const BENCH_RENDERER_TOKEN = 'bench-renderer-token-0123456789abcdef';

/** The renderer process on loopback: the a1111 backend when `sdUrl` is given, the preview backend otherwise. */
export async function startRendererProcess(
  port: number,
  sdUrl: string | null,
  options: { probe?: boolean } = {},
): Promise<BuiltProcess> {
  const renderer = startBuilt(
    'apps/renderer/src/main.js',
    {
      RENDERER_HOST: '127.0.0.1',
      RENDERER_PORT: String(port),
      RENDERER_TOKEN: BENCH_RENDERER_TOKEN,
      ...(sdUrl ? { SD_URL: sdUrl } : {}),
    },
    { probe: options.probe, profile: true },
  );
  try {
    await renderer.waitFor(/Listening on tcp:\/\//);
    return renderer;
  } catch (error) {
    await renderer.stop();
    throw error;
  }
}

const ADMIN_HEADERS = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) BenchHostLaptop Firefox/140.0',
  'accept-language': 'en-GB,en;q=0.9',
};

/** The CSRF token of a page: from a form, or (a moderation page with nothing pending) the layout's meta tag. */
function csrfOfPage(html: string): string {
  const meta = /<meta name="csrf-token" content="([^"]+)">/.exec(html);
  return meta ? meta[1] : csrfFrom(html);
}

interface Guest {
  headers: Record<string, string>;
  csrf: string;
}

/**
 * A running pipeline: fake SD (optional), renderer and gateway, each its own process, wired on loopback
 * ports, with the admin claimed. Guests submit over HTTP; the admin approves over HTTP (JSON + CSRF header),
 * as the admin page does.
 */
export class PipelineStack {
  private readonly client: HttpClient;
  private adminHeaders: Record<string, string> = {};
  private guests: Guest[] = [];
  private submitted = 0;

  private constructor(
    readonly gatewayUrl: string,
    readonly outputDir: string,
    private readonly processes: BuiltProcess[],
  ) {
    this.client = new HttpClient(gatewayUrl, 32);
  }

  /** `dir` holds the database and output; the caller removes it. */
  static async start(dir: string, sdUrl: string | null): Promise<PipelineStack> {
    return PipelineStack.startMany(dir, [sdUrl]);
  }

  /**
   * One renderer per entry of `sdUrls` (its SD_URL: one URL, a comma-separated list for several SD servers,
   * or null for the preview backend) and one gateway feeding them all (RENDERERS).
   */
  static async startMany(
    dir: string,
    sdUrls: (string | null)[],
    gatewayEnv: Record<string, string> = {},
  ): Promise<PipelineStack> {
    const processes: BuiltProcess[] = [];
    try {
      const rendererPorts: number[] = [];
      for (const sdUrl of sdUrls) {
        const port = await freePort();
        rendererPorts.push(port);
        processes.push(await startRendererProcess(port, sdUrl));
      }
      const gatewayPort = await freePort();
      const outputDir = join(dir, 'output');
      mkdirSync(outputDir, { recursive: true });
      const gateway = startBuilt(
        'apps/gateway/src/main.js',
        {
          HOST: '127.0.0.1',
          PORT: String(gatewayPort),
          DATABASE_PATH: join(dir, 'vernissage.sqlite'),
          OUTPUT_DIR: outputDir,
          RENDERERS: rendererPorts.map((port) => `127.0.0.1:${port}`).join(','),
          RENDERER_TOKEN: BENCH_RENDERER_TOKEN,
          RENDERER_TOKEN_FILE: join(dir, 'renderer.token'),
          MAX_PENDING_PER_GUEST: '1000',
          SUBMISSIONS_PER_MINUTE: '10000',
          ...gatewayEnv,
        },
        { profile: true },
      );
      processes.push(gateway);
      const claim = (await gateway.waitFor(/https?:\/\/[^/\s]+(\/admin\/claim\/[A-Za-z0-9_-]+)/))[1];
      for (const port of rendererPorts) {
        await gateway.waitFor(new RegExp(`Renderer 127\\.0\\.0\\.1:${port} is in sync`));
      }
      const stack = new PipelineStack(`http://127.0.0.1:${gatewayPort}`, outputDir, processes);
      await stack.claimAdmin(claim);
      return stack;
    } catch (error) {
      await stopAll(processes);
      throw error;
    }
  }

  get gateway(): BuiltProcess {
    return this.processes[this.processes.length - 1];
  }

  get renderer(): BuiltProcess {
    return this.processes[0];
  }

  get renderers(): BuiltProcess[] {
    return this.processes.slice(0, -1);
  }

  private async claimAdmin(claimPath: string): Promise<void> {
    const claimed = await this.client.send('GET', claimPath, { ...ADMIN_HEADERS, accept: HTML });
    if (claimed.status !== 303) throw new Error(`claim link answered ${claimed.status}`);
    const headers = { ...ADMIN_HEADERS, cookie: sessionCookieFrom(claimed) };
    const page = await this.client.send('GET', '/admin', { ...headers, accept: HTML });
    if (page.status !== 200) throw new Error(`GET /admin answered ${page.status}`);
    this.adminHeaders = {
      ...headers,
      accept: 'application/json',
      'x-csrf-token': csrfOfPage(page.body),
    };
  }

  /** `count` guests open the home page (twice: the second visit is past the welcome). Not measured. */
  async addGuests(count: number): Promise<void> {
    const start = this.guests.length;
    this.guests.push(
      ...(await Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const base = {
            accept: HTML,
            'user-agent': `Mozilla/5.0 (Linux; Android 14; BenchPipelineGuest ${start + i}) Mobile Safari/537.36`,
            'accept-language': 'en-GB,en;q=0.9',
          };
          const first = await this.client.send('GET', '/', base);
          const headers = { ...base, cookie: sessionCookieFrom(first) };
          const again = await this.client.send('GET', '/', headers);
          if (again.status !== 200) throw new Error(`guest home page answered ${again.status}`);
          return { headers, csrf: csrfFrom(again.body) };
        }),
      )),
    );
  }

  /** Sends `count` prompts spread over the guests (all pending afterwards); returns their ids. */
  async submit(count: number, size = { width: 512, height: 512 }): Promise<number[]> {
    if (this.guests.length === 0) throw new Error('no guests');
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const guest = this.guests[i % this.guests.length];
        const n = ++this.submitted;
        const body = JSON.stringify({
          prompt: `benchmark prompt ${n}: a lighthouse on a cliff in a storm, oil painting, dramatic light`,
          ...size,
        });
        const reply = await this.client.send(
          'POST',
          '/prompts',
          {
            ...guest.headers,
            accept: 'application/json',
            'content-type': 'application/json',
            'x-csrf-token': guest.csrf,
          },
          body,
        );
        if (reply.status !== 201) throw new Error(`POST /prompts answered ${reply.status}: ${reply.body}`);
        return (JSON.parse(reply.body) as { id: number }).id;
      }),
    );
  }

  /** Approves every id at once (the client keeps up to 32 requests in flight). */
  async approveAll(ids: number[]): Promise<void> {
    await Promise.all(
      ids.map(async (id) => {
        const reply = await this.client.send('POST', `/admin/prompts/${id}/approve`, this.adminHeaders);
        if (reply.status !== 200) throw new Error(`approve #${id} answered ${reply.status}: ${reply.body}`);
      }),
    );
  }

  /**
   * Approves `ids` and waits until every `<id>.png` is in the output directory. Returns milliseconds from just
   * before the first approval is sent to the moment the last image appeared (seen by an inotify watch on the
   * directory: the gateway writes a temp file and renames it, so the name appears only when complete), and to
   * the last approval's reply.
   */
  async approveAndWaitForImages(
    ids: number[],
    timeoutMs: number,
  ): Promise<{ totalMs: number; approvalsMs: number }> {
    const started = performance.now();
    let approvedAt = 0;
    const { lastAt } = await this.whileWatchingImages(ids, timeoutMs, async () => {
      await this.approveAll(ids);
      approvedAt = performance.now();
    });
    return { totalMs: lastAt - started, approvalsMs: approvedAt - started };
  }

  /** Pauses (or resumes) every SD server of every renderer, as the panel's Pause / Resume does. */
  async setPaused(paused: boolean): Promise<void> {
    const reply = await this.client.send(
      'POST',
      `/admin/renderer/${paused ? 'pause' : 'resume'}`,
      this.adminHeaders,
    );
    if (reply.status !== 200)
      throw new Error(`${paused ? 'pause' : 'resume'} answered ${reply.status}: ${reply.body}`);
  }

  /**
   * Runs `action` and waits until every `<id>.png` is in the output directory; `lastAt` is when the last one
   * appeared (performance.now(), and `lastWallAt`, Date.now(), to compare with other processes' stamps).
   */
  async whileWatchingImages(
    ids: number[],
    timeoutMs: number,
    action: () => Promise<void>,
  ): Promise<{ lastAt: number; lastWallAt: number }> {
    const missing = new Set(ids.map((id) => `${id}.png`));
    let lastAt = 0;
    let lastWallAt = 0;
    const seen = (name: string) => {
      if (missing.delete(name)) {
        lastAt = performance.now();
        lastWallAt = Date.now();
      }
    };
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const watcher = watch(this.outputDir, (_event, name) => {
      if (name) seen(name);
      if (missing.size === 0) resolveDone();
    });
    // Should inotify drop events, a directory listing catches up.
    const sweep = setInterval(() => {
      for (const name of readdirSync(this.outputDir)) seen(name);
      if (missing.size === 0) resolveDone();
    }, 250);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`${missing.size} of ${ids.length} images still missing after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([Promise.all([action(), done]), timeout]);
      return { lastAt, lastWallAt };
    } finally {
      clearTimeout(timer);
      clearInterval(sweep);
      watcher.close();
    }
  }

  async stop(): Promise<void> {
    this.client.close();
    // Gateway first, so it does not log the renderers going away.
    await this.gateway.stop();
    await stopAll(this.renderers);
  }
}
