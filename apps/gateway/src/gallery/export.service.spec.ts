import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { readZip } from '../../../../test/support/zip-reader.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import type { SuggestionEntity, SuggestionStatus } from '../suggestions/suggestion.entity.js';
import type { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import type { UserEntity } from '../users/user.entity.js';
import { EXPORT_BATCH_SIZE, ExportService } from './export.service.js';

const author = { id: 1, colourName: 'Tomato', colourHex: '#ff6347' } as UserEntity;

function row(id: number, status: SuggestionStatus, imageFile: string | null = null): SuggestionEntity {
  return {
    id,
    userId: 1,
    user: author,
    prompt: `prompt ${id}`,
    width: 512,
    height: 512,
    status,
    submittedAt: new Date('2026-01-01T20:00:00Z'),
    decidedAt: status === 'pending' ? null : new Date('2026-01-01T20:01:00Z'),
    decidedById: null,
    queuedAt: null,
    renderingAt: null,
    renderedAt: status === 'rendered' ? new Date('2026-01-01T20:02:00Z') : null,
    failedAt: null,
    failureReason: null,
    decisionReason: null,
    decisionRule: null,
    flaggedWords: null,
    originalPrompt: null,
    renderReview: null,
    reviewedAt: null,
    seed: status === 'rendered' ? 42 : null,
    pictureFile: null,
    imageFile,
  };
}

/** A repository double that pages like the real one and counts the queries. */
function repositoryOf(rows: SuggestionEntity[]) {
  const calls: { afterId: number; limit: number }[] = [];
  const repository = {
    listAllWithAuthors: async (afterId: number, limit: number) => {
      calls.push({ afterId, limit });
      return rows.filter((r) => r.id > afterId).slice(0, limit);
    },
  } as unknown as SuggestionQueries;
  return { repository, calls };
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('ExportService', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vernissage-export-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = { outputDir: dir } as GatewayConfig;

  it('pages through the rows, leaves out missing or unsafe image files and never a non-rendered one', async () => {
    writeFileSync(join(dir, '1.png'), 'png-1');
    writeFileSync(join(dir, '1.json'), '{"id":1}');
    writeFileSync(join(dir, '3.png'), 'not rendered');
    const rows = [
      row(1, 'rendered', '1.png'),
      row(2, 'rendered', '2.png'), // file missing
      row(3, 'failed', '3.png'),
      row(4, 'rendered', '../secret.png'),
      ...Array.from({ length: EXPORT_BATCH_SIZE + 3 }, (_, i) => row(10 + i, 'pending')),
    ];
    const { repository, calls } = repositoryOf(rows);
    const entries = readZip(await collect(new ExportService(repository, config).zip()));
    expect(entries.map((entry) => entry.name)).toEqual([
      'prompts.csv',
      'prompts.json',
      'images/1.png',
      'images/1.json',
    ]);
    expect(entries[2].method).toBe(0);
    expect(entries[2].data.toString()).toBe('png-1');
    const json = JSON.parse(entries[1].data.toString()) as { id: number }[];
    expect(json.map((r) => r.id)).toEqual(rows.map((r) => r.id));
    expect(entries[0].data.toString().trim().split('\r\n')).toHaveLength(rows.length + 1);
    // Three passes (CSV, JSON, images), each in batches: never one query for everything.
    expect(calls.every((call) => call.limit === EXPORT_BATCH_SIZE)).toBe(true);
    expect(calls.filter((call) => call.afterId === 0)).toHaveLength(3);
    expect(calls.length).toBe(6);
  });

  it('writes an empty but valid export when there is nothing yet', async () => {
    const entries = readZip(await collect(new ExportService(repositoryOf([]).repository, config).zip()));
    expect(entries.map((entry) => entry.name)).toEqual(['prompts.csv', 'prompts.json']);
    expect(JSON.parse(entries[1].data.toString())).toEqual([]);
  });

  it('reads the database only as fast as the client reads, and stops when the client goes away', async () => {
    // About 4 MB of CSV that compresses poorly, far more than the streams' buffers hold.
    const rows = Array.from({ length: EXPORT_BATCH_SIZE * 20 }, (_, i) => ({
      ...row(i + 1, 'pending'),
      prompt: randomBytes(300).toString('base64'),
    }));
    const { repository, calls } = repositoryOf(rows);
    const stream = new ExportService(repository, config).zip();
    await new Promise<void>((resolve) => stream.once('readable', () => resolve()));
    // Nobody reads: back-pressure holds the export before even the CSV pass (20 batches) is done. Wait until
    // the reads stop (however slow a busy machine is); without back-pressure they would stop only at 20.
    let held = -1;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      const before = calls.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      if (calls.length === before) {
        held = before;
        break;
      }
    }
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(10);
    const closed = new Promise((resolve) => stream.once('close', resolve));
    stream.destroy();
    await closed;
    const made = calls.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls.length).toBe(made);
  });
});
