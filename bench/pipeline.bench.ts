import type { Benchmark, QualityCheck } from './lib/benchmark.js';
import { PipelineStack, startFakeSd, type FakeSd, type FakeSdStats } from './lib/pipeline-stack.js';
import { count, median, ms } from './lib/stats.js';
import { printTable } from './lib/table.js';
import { withTempDir } from './lib/temp-dir.js';

const JOBS = 500;
const RUNS = 3;
const WARMUP_JOBS = 100;
const GUESTS = 10;
const RUN_TIMEOUT_MS = 60_000;
const TARGET_JOBS_PER_S = 200;
const TARGET_OVERHEAD_MS = 5;

const BUSY_JOBS = 30;
const BUSY_DELAY_MS = 1000;
const TARGET_BUSY = 0.99;

interface PipelineRun {
  totalMs: number;
  approvalsMs: number;
  sdBusyMs: number;
}

interface PipelineRow {
  backend: string;
  runs: PipelineRun[];
  totalMs: number;
  jobsPerS: number;
  overheadMs: number;
  sdPerJobMs: number;
}

/** One stack, a warm-up, then RUNS measured runs of JOBS approvals each; medians per run. */
async function measureBackend(backend: 'a1111' | 'preview'): Promise<PipelineRow> {
  let sd: FakeSd | undefined;
  try {
    sd = backend === 'a1111' ? await startFakeSd() : undefined;
    const fake = sd;
    return await withTempDir(`vernissage-bench-pipeline-${backend}-`, async (dir) => {
      const stack = await PipelineStack.start(dir, fake?.url ?? null);
      try {
        await stack.addGuests(GUESTS);
        const once = async (jobs: number): Promise<PipelineRun> => {
          const ids = await stack.submit(jobs);
          await fake?.control('/fake/reset', {});
          const { totalMs, approvalsMs } = await stack.approveAndWaitForImages(ids, RUN_TIMEOUT_MS);
          const stats = fake ? await fake.stats() : undefined;
          if (stats && stats.generations !== jobs)
            throw new Error(`fake SD saw ${stats.generations} generations for ${jobs} jobs`);
          return { totalMs, approvalsMs, sdBusyMs: stats?.busyMs ?? 0 };
        };
        await once(WARMUP_JOBS);
        const runs: PipelineRun[] = [];
        for (let run = 0; run < RUNS; run++) runs.push(await once(JOBS));
        const totalMs = median(runs.map((r) => r.totalMs));
        const sdBusyMs = median(runs.map((r) => r.sdBusyMs));
        return {
          backend:
            backend === 'a1111' ? 'a1111 → fake SD (answers at once)' : 'preview (no SD_URL, draws locally)',
          runs,
          jobsPerS: median(runs.map((r) => JOBS / (r.totalMs / 1000))),
          overheadMs: median(runs.map((r) => (r.totalMs - r.sdBusyMs) / JOBS)),
          sdPerJobMs: sdBusyMs / JOBS,
          totalMs,
        };
      } finally {
        await stack.stop();
      }
    });
  } finally {
    await sd?.process.stop();
  }
}

async function runPipeline(): Promise<QualityCheck[]> {
  const rows = [await measureBackend('a1111'), await measureBackend('preview')];
  printTable(
    `Pipeline throughput: ${JOBS} approved prompts, first approval → last <id>.png on disk (${RUNS} runs, medians)`,
    [
      'backend',
      'total ms',
      'last approval reply ms',
      'jobs/s',
      'SD busy ms/job',
      'our overhead ms/job',
      'runs (total ms)',
    ],
    rows.map((row) => [
      row.backend,
      ms(row.totalMs),
      ms(median(row.runs.map((r) => r.approvalsMs))),
      count(row.jobsPerS),
      ms(row.sdPerJobMs),
      ms(row.overheadMs),
      row.runs.map((r) => ms(r.totalMs)).join(' / '),
    ]),
    [
      `Gateway, renderer and fake SD each run as their own built process on 127.0.0.1 (NODE_ENV=production).`,
      `${GUESTS} guests pre-submit the prompts (not timed); the admin then approves all ${JOBS} over HTTP (JSON + CSRF,`,
      '  32 in flight) and the clock stops when inotify sees the last <id>.png renamed into place.',
      "Overhead = total / jobs − the fake SD's own busy time per job (GET /fake/stats). For the preview backend,",
      '  drawing the placeholder PNG is part of "our" time. 512×512 images; one unmeasured warm-up of',
      `  ${WARMUP_JOBS} jobs first.`,
    ],
  );
  const [a1111] = rows;
  return [
    {
      bar: 'Pipeline throughput, SD answering at once',
      target: `≥ ${TARGET_JOBS_PER_S} jobs/s`,
      measured: `${count(a1111.jobsPerS)} jobs/s (preview backend ${count(rows[1].jobsPerS)})`,
      met: a1111.jobsPerS >= TARGET_JOBS_PER_S,
    },
    {
      bar: 'Pipeline: our own overhead per job',
      target: `< ${TARGET_OVERHEAD_MS} ms`,
      measured: `${ms(a1111.overheadMs)} ms (preview backend ${ms(rows[1].overheadMs)} ms)`,
      met: a1111.overheadMs < TARGET_OVERHEAD_MS,
    },
  ];
}

/** Idle gaps on the fake SD between one generation's end and the next one's start. */
function gapsBetween(stats: FakeSdStats): number[] {
  const spans = stats.jobs
    .filter((job) => job.kind !== 'model-switch')
    .toSorted((a, b) => a.startAt - b.startAt);
  return spans.slice(1).map((span, i) => span.startAt - spans[i].endAt);
}

async function runBusy(): Promise<QualityCheck[]> {
  const sd = await startFakeSd(['--fixed-delay-ms', String(BUSY_DELAY_MS)]);
  try {
    const { stats, approvalToLastPngMs } = await withTempDir('vernissage-bench-busy-', async (dir) => {
      const stack = await PipelineStack.start(dir, sd.url);
      try {
        await stack.addGuests(3);
        const ids = await stack.submit(BUSY_JOBS);
        await sd.control('/fake/reset', {});
        const { totalMs } = await stack.approveAndWaitForImages(ids, BUSY_JOBS * BUSY_DELAY_MS + 30_000);
        return { stats: await sd.stats(), approvalToLastPngMs: totalMs };
      } finally {
        await stack.stop();
      }
    });
    if (stats.generations !== BUSY_JOBS || stats.firstStartAt === null || stats.lastEndAt === null)
      throw new Error(`fake SD saw ${stats.generations} generations for ${BUSY_JOBS} jobs`);
    const span = stats.lastEndAt - stats.firstStartAt;
    const busy = stats.busyMs / span;
    const gaps = gapsBetween(stats);
    printTable(
      `SD busy fraction: fake SD at ${BUSY_DELAY_MS} ms per image, ${BUSY_JOBS} jobs approved at once (one run)`,
      [
        'jobs',
        'SD span ms',
        'SD busy ms',
        'busy fraction',
        'gap median ms',
        'gap max ms',
        '(span − busy)/(jobs − 1) ms',
        'approval → last PNG ms',
      ],
      [
        [
          count(stats.generations),
          count(span),
          count(stats.busyMs),
          `${(busy * 100).toFixed(2)} %`,
          ms(median(gaps)),
          ms(Math.max(...gaps)),
          ms((span - stats.busyMs) / (BUSY_JOBS - 1)),
          count(approvalToLastPngMs),
        ],
      ],
      [
        'Span = first generation start → last generation end, busy = time the fake held its GPU lock (GET /fake/stats,',
        "  millisecond clock). Gaps come from the fake's per-generation spans: end of one → start of the next; a gap",
        "  holds the fake's reply (it encodes and sends the image after releasing its lock, as A1111 does), the",
        '  renderer taking the result and sending the next txt2img request.',
      ],
    );
    return [
      {
        bar: `SD busy fraction at ${BUSY_DELAY_MS / 1000} s per image`,
        target: `≥ ${TARGET_BUSY * 100} %`,
        measured: `${(busy * 100).toFixed(2)} % (gaps median ${ms(median(gaps))} ms, max ${ms(Math.max(...gaps))} ms)`,
        met: busy >= TARGET_BUSY,
      },
    ];
  } finally {
    await sd.process.stop();
  }
}

export const pipelineBenchmark: Benchmark = {
  name: 'pipeline',
  description: `${JOBS} approved prompts end to end with an SD double that answers at once, and with the preview backend`,
  run: runPipeline,
};

export const busyBenchmark: Benchmark = {
  name: 'busy',
  description: `how busy a ${BUSY_DELAY_MS} ms-per-image SD is kept while ${BUSY_JOBS} jobs wait`,
  run: runBusy,
};
