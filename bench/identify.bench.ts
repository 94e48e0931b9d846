import argon2 from 'argon2';
import { SerialWriter } from '../apps/gateway/src/database/serial-writer.js';
import { anonymiseIp, fingerprintKey } from '../apps/gateway/src/identity/fingerprint.js';
import { colourForIndex } from '../apps/gateway/src/users/colours.js';
import { toSqliteDate } from '../apps/gateway/src/database/sql.service.js';
import { UsersRepository } from '../apps/gateway/src/users/users.repository.js';
import type { Benchmark, QualityCheck } from './lib/benchmark.js';
import { benchGatewayEnv, startGateway, type RunningGateway } from './lib/gateway.js';
import { HTML, HttpClient } from './lib/http-client.js';
import { ms, ratio, seededRandom, summarise, type Summary } from './lib/stats.js';
import { printTable } from './lib/table.js';
import { withTempDir } from './lib/temp-dir.js';

const SIZES = [100, 1_000, 10_000];
const SAMPLES = 300;
const WARMUP = 30;
/** argon2 verifies for the seed's baseline: ~0.1-0.2 s each, so only a handful. */
const BASELINE_VERIFIES = 8;
const TARGET_PAGE_MEDIAN_MS = 5;
/** The client's address as the gateway sees it: every request comes from loopback. */
const CLIENT_IP = '127.0.0.1';
const LANGUAGE = 'en-GB,en;q=0.9';
const INSERT_BATCH = 500;

interface Visitor {
  userAgent: string;
  key: string;
  colourName: string;
}

const userAgentOf = (i: number) =>
  `Mozilla/5.0 (Linux; Android 14; BenchPhone ${i}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36`;

/** The seed's plain fingerprint string, `anonymised IP|User-Agent|Accept-Language`, that it argon2-hashed. */
const seedMaterial = (i: number) => [anonymiseIp(CLIENT_IP), userAgentOf(i), LANGUAGE].join('|');

/**
 * Seeds guests [from, to) with one fingerprint each, in one transaction of multi-row inserts through the
 * app's own DataSource (via SerialWriter), the way createWithColour would have stored them, only faster.
 */
async function seedGuests(
  gateway: RunningGateway,
  visitors: Visitor[],
  from: number,
  to: number,
): Promise<void> {
  const secret = gateway.config.fingerprintSecret;
  const now = toSqliteDate(new Date());
  const fresh: { id: number; colour: ReturnType<typeof colourForIndex>; visitor: Visitor }[] = [];
  for (let i = from; i < to; i++) {
    const userAgent = userAgentOf(i);
    const colour = colourForIndex(i);
    const visitor = {
      userAgent,
      colourName: colour.name,
      key: fingerprintKey(secret, { ip: CLIENT_IP, userAgent, acceptLanguage: LANGUAGE }),
    };
    visitors.push(visitor);
    fresh.push({ id: i + 1, colour, visitor });
  }
  await gateway.app.get(SerialWriter).transaction(async (manager) => {
    for (let start = 0; start < fresh.length; start += INSERT_BATCH) {
      const batch = fresh.slice(start, start + INSERT_BATCH);
      await manager.query(
        `INSERT INTO users (id, colour_name, colour_hex, colour_index, role, banned, created_at, last_seen_at) VALUES ${batch
          .map(() => "(?, ?, ?, ?, 'guest', 0, ?, ?)")
          .join(', ')}`,
        batch.flatMap(({ id, colour }) => [id, colour.name, colour.hex, colour.index, now, now]),
      );
      await manager.query(
        `INSERT INTO user_fingerprints (fingerprint_key, user_id, last_seen_at) VALUES ${batch.map(() => '(?, ?, ?)').join(', ')}`,
        batch.flatMap(({ id, visitor }) => [visitor.key, id, now]),
      );
    }
  });
}

async function timeEach(count: number, work: (i: number) => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await work(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

/** The seed's method: argon2id-verify the request's fingerprint string against a stored hash per user. */
async function seedBaseline(): Promise<Summary> {
  // Stored hashes of other guests (argon2's defaults, argon2id m=65536 t=3 p=4, as argon2-cffi's were).
  const stored: string[] = [];
  for (let i = 0; i < BASELINE_VERIFIES; i++) stored.push(await argon2.hash(seedMaterial(i + 1)));
  const probe = seedMaterial(0);
  return summarise(
    await timeEach(BASELINE_VERIFIES, async (i) => {
      if (await argon2.verify(stored[i], probe)) throw new Error('baseline: a stranger matched');
    }),
  );
}

async function run(): Promise<QualityCheck[]> {
  return withTempDir('vernissage-bench-identify-', async (dir) => {
    const gateway = await startGateway(benchGatewayEnv(dir));
    const client = new HttpClient(gateway.url, 1);
    const users = gateway.app.get(UsersRepository);
    const random = seededRandom(42);
    const visitors: Visitor[] = [];
    const results: { size: number; lookup: Summary; page: Summary }[] = [];
    try {
      const lostPage = async (visitor: Visitor) => {
        const reply = await client.send('GET', '/', {
          accept: HTML,
          'user-agent': visitor.userAgent,
          'accept-language': LANGUAGE,
        });
        if (
          reply.status !== 200 ||
          !reply.body.includes('Are you lost?') ||
          !reply.body.includes(`Continue as ${visitor.colourName}`)
        ) {
          throw new Error(
            `expected the "Are you lost?" page offering ${visitor.colourName}, got ${reply.status}`,
          );
        }
      };
      const lookup = async (visitor: Visitor) => {
        const found = await users.findGuestsByFingerprintKey(visitor.key);
        if (found[0]?.colourName !== visitor.colourName)
          throw new Error(`lookup missed ${visitor.colourName}`);
      };
      const pick = () => visitors[Math.floor(random() * visitors.length)];

      for (const size of SIZES) {
        await seedGuests(gateway, visitors, visitors.length, size);
        if ((await users.count()) !== size) throw new Error(`seeding: expected ${size} users`);
        await timeEach(WARMUP, () => lookup(pick()));
        await timeEach(WARMUP, () => lostPage(pick()));
        const lookupSamples = await timeEach(SAMPLES, () => lookup(pick()));
        const pageSamples = await timeEach(SAMPLES, () => lostPage(pick()));
        results.push({ size, lookup: summarise(lookupSamples), page: summarise(pageSamples) });
      }
    } finally {
      client.close();
      await gateway.close();
    }

    const baseline = await seedBaseline();
    printTable(
      `Identify a known visitor without a cookie (${SAMPLES} samples per column, sequential, in-process gateway)`,
      [
        'guests',
        'lookup median ms',
        'lookup p95 ms',
        'page median ms',
        'page p95 ms',
        'seed est. s',
        'seed/lookup',
        'seed/page',
      ],
      results.map(({ size, lookup, page }) => {
        const seed = size * baseline.median;
        return [
          size.toLocaleString('en-GB'),
          ms(lookup.median),
          ms(lookup.p95),
          ms(page.median),
          ms(page.p95),
          (seed / 1000).toFixed(1),
          ratio(seed / lookup.median),
          ratio(seed / page.median),
        ];
      }),
      [
        "lookup = UsersRepository.findGuestsByFingerprintKey (one indexed query); page = GET / with the visitor's",
        '  User-Agent and no cookie, answered with the "Are you lost?" page (includes the session it starts).',
        `seed = argon2id verify of the fingerprint string against every stored hash (m=65536, t=3, p=4):`,
        `  one verify median ${ms(baseline.median)} ms, p95 ${ms(baseline.p95)} ms over ${baseline.n} samples; seed est. = guests × median verify;`,
        '  ratios = seed est. / our median.',
      ],
    );

    const largest = results[results.length - 1];
    return [
      {
        bar: `Known visitor, no cookie: page median at ${largest.size.toLocaleString('en-GB')} guests`,
        target: `< ${TARGET_PAGE_MEDIAN_MS} ms`,
        measured: `${ms(largest.page.median)} ms (p95 ${ms(largest.page.p95)} ms)`,
        met: largest.page.median < TARGET_PAGE_MEDIAN_MS,
      },
      {
        bar: 'Fingerprint lookup stays flat (one index lookup)',
        target: `median at ${SIZES[SIZES.length - 1].toLocaleString('en-GB')} ≤ 2× at ${SIZES[0]}`,
        measured: `${ms(results[0].lookup.median)} → ${ms(largest.lookup.median)} ms`,
        met: largest.lookup.median <= 2 * results[0].lookup.median,
      },
    ];
  });
}

export const identifyBenchmark: Benchmark = {
  name: 'identify',
  description:
    "finding a known visitor by fingerprint, at 100, 1,000 and 10,000 guests, against the seed's argon2 scan",
  run,
};
