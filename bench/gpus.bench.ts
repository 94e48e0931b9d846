import { request, Agent } from 'node:http';
import type { Benchmark, QualityCheck } from './lib/benchmark.js';
import { PipelineStack, startFakeSd, type FakeSd, type FakeSdStats } from './lib/pipeline-stack.js';
import { stopAll } from './lib/processes.js';
import { count, median, ms } from './lib/stats.js';
import { printTable } from './lib/table.js';
import { withTempDir } from './lib/temp-dir.js';

const DELAY_MS = 200;
const JOBS_PER_SERVER = 30;
const WARMUP_JOBS_PER_SERVER = 4;
const RUNS = 3;
const GUESTS = 10;
const TARGET_RATIO = 0.9;
const TARGET_BUSY = 0.98;

/** How the fake SD servers are spread: servers per renderer. */
interface Layout {
  servers: number;
  renderers: number[];
}

const LAYOUTS: Layout[] = [
  { servers: 1, renderers: [1] },
  { servers: 2, renderers: [2] },
  { servers: 4, renderers: [4] },
  { servers: 2, renderers: [1, 1] },
  { servers: 4, renderers: [2, 2] },
];

interface Run {
  jobsPerS: number;
  /** Per server: busy share of the time in which jobs were waiting. */
  busy: number[];
  /** Idle gaps between one image's end and the next one's start on the same server. */
  gaps: number[];
  jobsPerServer: number[];
}

interface Row {
  layout: Layout;
  runs: Run[];
  jobsPerS: number;
  minBusy: number;
}

/**
 * Jobs are waiting from the first image's start until the last image's start (until then some job has not
 * started). Each server's busy share of that window, from the fakes' own per-image spans (all on one
 * machine, so their wall clocks agree).
 */
function busyWhileWaiting(stats: FakeSdStats[]): { busy: number[]; gaps: number[] } {
  const spans = stats.map((s) => s.jobs.filter((job) => job.kind !== 'model-switch'));
  const starts = spans.flat().map((span) => span.startAt);
  const from = Math.min(...starts);
  const to = Math.max(...starts);
  const busy = spans.map((own) => {
    if (to <= from) return 1;
    let covered = 0;
    for (const span of own) covered += Math.max(0, Math.min(span.endAt, to) - Math.max(span.startAt, from));
    return covered / (to - from);
  });
  const gaps = spans.flatMap((own) => {
    const sorted = own.toSorted((a, b) => a.startAt - b.startAt);
    return sorted.slice(1).map((span, i) => span.startAt - sorted[i].endAt);
  });
  return { busy, gaps };
}

async function measure(layout: Layout): Promise<Row> {
  const sds: FakeSd[] = [];
  try {
    for (let i = 0; i < layout.servers; i++)
      sds.push(await startFakeSd(['--fixed-delay-ms', String(DELAY_MS)]));
    let next = 0;
    const rendererUrls = layout.renderers.map((servers) =>
      sds
        .slice(next, (next += servers))
        .map((sd) => sd.url)
        .join(','),
    );
    return await withTempDir('vernissage-bench-gpus-', async (dir) => {
      const stack = await PipelineStack.startMany(dir, rendererUrls);
      try {
        await stack.addGuests(GUESTS);
        // Unmeasured: the gateway learns each server's time per image.
        await stack.approveAndWaitForImages(
          await stack.submit(WARMUP_JOBS_PER_SERVER * layout.servers),
          60_000,
        );
        const runs: Run[] = [];
        for (let run = 0; run < RUNS; run++) {
          const jobs = JOBS_PER_SERVER * layout.servers;
          const ids = await stack.submit(jobs);
          // Every job waits before the first starts: approved while the servers are paused, then resumed.
          await stack.setPaused(true);
          await stack.approveAll(ids);
          await Promise.all(sds.map((sd) => sd.control('/fake/reset', {})));
          const { lastWallAt } = await stack.whileWatchingImages(ids, jobs * DELAY_MS + 60_000, () =>
            stack.setPaused(false),
          );
          const stats = await Promise.all(sds.map((sd) => sd.stats()));
          const drawn = stats.reduce((sum, s) => sum + s.generations, 0);
          if (drawn !== jobs) throw new Error(`the fakes drew ${drawn} images for ${jobs} jobs`);
          const firstStart = Math.min(...stats.map((s) => s.firstStartAt ?? Infinity));
          runs.push({
            jobsPerS: jobs / ((lastWallAt - firstStart) / 1000),
            ...busyWhileWaiting(stats),
            jobsPerServer: stats.map((s) => s.generations),
          });
        }
        return {
          layout,
          runs,
          jobsPerS: median(runs.map((run) => run.jobsPerS)),
          minBusy: median(runs.map((run) => Math.min(...run.busy))),
        };
      } finally {
        await stack.stop();
      }
    });
  } finally {
    await stopAll(sds.map((sd) => sd.process));
  }
}

/**
 * The ceiling this machine allows: a bare client sending txt2img requests one after another to one fake
 * (keep-alive, nothing else done between them). Its gaps are the fake's and HTTP's own.
 */
async function bareClientBusy(): Promise<{ busy: number[]; gaps: number[] }> {
  const sd = await startFakeSd(['--fixed-delay-ms', String(DELAY_MS)]);
  const agent = new Agent({ keepAlive: true });
  try {
    const body = JSON.stringify({ prompt: 'a lighthouse', width: 512, height: 512, steps: 20 });
    const post = () =>
      new Promise<void>((resolve, reject) => {
        const req = request(
          `${sd.url}/sdapi/v1/txt2img`,
          {
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'accept-encoding': 'identity' },
          },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    await post();
    await sd.control('/fake/reset', {});
    for (let i = 0; i < JOBS_PER_SERVER; i++) await post();
    return busyWhileWaiting([await sd.stats()]);
  } finally {
    agent.destroy();
    await sd.process.stop();
  }
}

function describeLayout(layout: Layout): string {
  const servers = `${layout.servers} SD server${layout.servers === 1 ? '' : 's'}`;
  return layout.renderers.length === 1
    ? `${servers}, one renderer`
    : `${servers}, ${layout.renderers.length} renderers (${layout.renderers.join(' + ')})`;
}

async function runGpus(): Promise<QualityCheck[]> {
  const bare = await bareClientBusy();
  const rows: Row[] = [];
  for (const layout of LAYOUTS) rows.push(await measure(layout));
  const one = rows[0].jobsPerS;
  printTable(
    `Several GPUs: fake SD servers at ${DELAY_MS} ms per image, ${JOBS_PER_SERVER} jobs per server approved at once (${RUNS} runs, medians)`,
    [
      'layout',
      'jobs/s',
      'ratio to N × one',
      'min busy while jobs wait',
      'gap median ms',
      'gap max ms',
      'jobs per server (last run)',
      'runs (jobs/s)',
    ],
    [
      ...rows.map((row) => {
        const gaps = row.runs.flatMap((run) => run.gaps);
        return [
          describeLayout(row.layout),
          row.jobsPerS.toFixed(2),
          (row.jobsPerS / (row.layout.servers * one)).toFixed(3),
          `${(row.minBusy * 100).toFixed(2)} %`,
          ms(median(gaps)),
          ms(Math.max(...gaps)),
          row.runs[row.runs.length - 1].jobsPerServer.join(' / '),
          row.runs.map((run) => run.jobsPerS.toFixed(2)).join(' / '),
        ];
      }),
      [
        'reference: bare HTTP client, one fake',
        '',
        '',
        `${(bare.busy[0] * 100).toFixed(2)} %`,
        ms(median(bare.gaps)),
        ms(Math.max(...bare.gaps)),
        String(JOBS_PER_SERVER),
        '',
      ],
    ],
    [
      'Gateway, renderers and fake SD servers (test/fakes/fake-a1111, --fixed-delay-ms) each run as their own built',
      `process on 127.0.0.1. ${GUESTS} guests pre-submit the prompts; the admin pauses every server, approves them all over`,
      "HTTP and resumes (so every job waits from the start); the clock runs from the first image's start on any fake",
      'to the last <id>.png on disk. "ratio to N × one" divides by N times the',
      'one-server figure of this same run (target ≥ 0.9). "busy while jobs wait": each server\'s share of the time',
      "from the first image's start to the last image's start (jobs are waiting all along) spent drawing, from the",
      "fakes' own per-image spans; the least busy server's, median of the runs (target ≥ 98 %). A gap is one",
      "server's idle time between two images. One unmeasured warm-up first, so the gateway knows each server's time.",
      'The reference row is the ceiling on this machine: a bare client sending the next request the moment the last',
      "answer is in; its gaps are the fake's own (it answers after releasing its lock) and HTTP's.",
    ],
  );
  const scaling = rows.slice(1).map((row) => row.jobsPerS / (row.layout.servers * one));
  const worstScaling = Math.min(...scaling);
  const worstBusy = Math.min(...rows.map((row) => row.minBusy));
  return [
    {
      bar: `Several GPUs: jobs/s with N servers at ${DELAY_MS} ms per image`,
      target: `≥ ${TARGET_RATIO} · N × one server`,
      measured: `worst ${worstScaling.toFixed(3)} · N (${rows
        .slice(1)
        .map((row) => `${describeLayout(row.layout)}: ${row.jobsPerS.toFixed(1)}`)
        .join('; ')}; one: ${one.toFixed(2)} jobs/s)`,
      met: worstScaling >= TARGET_RATIO,
    },
    {
      bar: 'Several GPUs: each server busy while jobs wait',
      target: `≥ ${TARGET_BUSY * 100} %`,
      measured: `least busy server ${(worstBusy * 100).toFixed(2)} % (over ${count(rows.length)} layouts; a bare HTTP client gets ${(bare.busy[0] * 100).toFixed(2)} % from the same fake)`,
      met: worstBusy >= TARGET_BUSY,
    },
  ];
}

export const gpusBenchmark: Benchmark = {
  name: 'gpus',
  description: `scaling with 1, 2 and 4 fake SD servers at ${DELAY_MS} ms per image, on one and on two renderers`,
  run: runGpus,
};
