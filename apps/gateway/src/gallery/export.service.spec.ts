import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { readZip } from '../../../../test/support/zip-reader.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import type { SuggestionEntity, SuggestionStatus } from '../suggestions/suggestion.entity.js';
import type { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import type { UserEntity } from '../users/user.entity.js';
import { EXPORT_BATCH_SIZE, ExportService } from './export.service.js';

const author = { id: 1, colourName: 'Tomato', colourHex: '#ff6347' } as UserEntity;
/** An audit log with one entry, read in batches like the real one. */
const audit = {
  listAfter: async (afterId: number) =>
    afterId > 0
      ? []
      : [
          {
            id: 1,
            at: new Date('2026-01-01T20:01:00Z'),
            kind: 'decision',
            action: 'approve',
            actorId: 9,
            actorName: 'navy (host)',
            actorColourHex: '#000080',
            rule: null,
            suggestionId: 1,
            subjectUserId: 1,
            subjectName: 'Tomato',
            summary: '=Approved prompt #1',
            details: null,
          },
        ],
} as unknown as AuditLog;

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
    worker: null,
    sentAt: null,
    renderNextAt: null,
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
    const entries = readZip(await collect(new ExportService(repository, config, audit).zip()));
    expect(entries.map((entry) => entry.name)).toEqual([
      'prompts.csv',
      'prompts.json',
      'audit.csv',
      'audit.json',
      'images/1.png',
      'images/1.json',
    ]);
    expect(entries[4].method).toBe(0);
    expect(entries[4].data.toString()).toBe('png-1');
    // The audit log, its text defused for spreadsheets like every other cell.
    expect(entries[2].data.toString()).toContain(`"navy (host)",9,,1,1,"Tomato","'=Approved prompt #1",`);
    expect(JSON.parse(entries[3].data.toString())).toMatchObject([
      { id: 1, who: 'navy (host)', promptId: 1 },
    ]);
    const json = JSON.parse(entries[1].data.toString()) as { id: number }[];
    expect(json.map((r) => r.id)).toEqual(rows.map((r) => r.id));
    expect(entries[0].data.toString().trim().split('\r\n')).toHaveLength(rows.length + 1);
    // Three passes (CSV, JSON, images), each in batches: never one query for everything.
    expect(calls.every((call) => call.limit === EXPORT_BATCH_SIZE)).toBe(true);
    expect(calls.filter((call) => call.afterId === 0)).toHaveLength(3);
    expect(calls.length).toBe(6);
  });

  it('leaves out hidden renders and those waiting for review, and adds every picture under pictures/', async () => {
    const pictures = join(dir, 'uploads');
    mkdirSync(pictures, { recursive: true });
    const picture = '0b7f6b1e-1111-4a4a-9c9c-123456789abc.png';
    writeFileSync(join(pictures, picture), 'picture-7');
    for (const id of [5, 6, 7]) writeFileSync(join(dir, `${id}.png`), `png-${id}`);
    const rows = [
      { ...row(5, 'rendered', '5.png'), renderReview: 'hidden' as const },
      { ...row(6, 'rendered', '6.png'), renderReview: 'waiting' as const },
      { ...row(7, 'rendered', '7.png'), renderReview: 'passed' as const, pictureFile: picture },
      {
        ...row(8, 'denied'),
        pictureFile: picture,
        flaggedWords: '["gore"]',
        decisionRule: 'deny-words' as const,
      },
    ];
    const exporter = new ExportService(
      repositoryOf(rows).repository,
      { outputDir: dir, uploadDir: pictures } as GatewayConfig,
      audit,
    );
    const entries = readZip(await collect(exporter.zip()));
    expect(
      entries.map((entry) => entry.name).filter((name) => !name.endsWith('.csv') && !name.endsWith('.json')),
    ).toEqual(['pictures/7.png', 'images/7.png', 'pictures/8.png']);
    const json = JSON.parse(entries.find((entry) => entry.name === 'prompts.json')!.data.toString());
    expect(
      json.map((p: { id: number; imageFile: string | null; renderReview: string | null }) => [
        p.id,
        p.imageFile,
        p.renderReview,
      ]),
    ).toEqual([
      [5, null, 'hidden'],
      [6, null, 'waiting'],
      [7, '7.png', 'passed'],
      [8, null, null],
    ]);
    expect(json[3]).toMatchObject({
      hasPicture: true,
      picture: 'pictures/8.png',
      flaggedWords: ['gore'],
      decisionRule: 'deny-words',
    });
  });

  it('writes an empty but valid export when there is nothing yet', async () => {
    const entries = readZip(
      await collect(new ExportService(repositoryOf([]).repository, config, audit).zip()),
    );
    expect(entries.map((entry) => entry.name)).toEqual([
      'prompts.csv',
      'prompts.json',
      'audit.csv',
      'audit.json',
    ]);
    expect(JSON.parse(entries[1].data.toString())).toEqual([]);
  });

  it('reads the database only as fast as the client reads, and stops when the client goes away', async () => {
    // About 4 MB of CSV that compresses poorly, far more than the streams' buffers hold.
    const rows = Array.from({ length: EXPORT_BATCH_SIZE * 20 }, (_, i) => ({
      ...row(i + 1, 'pending'),
      prompt: randomBytes(300).toString('base64'),
    }));
    const { repository, calls } = repositoryOf(rows);
    const stream = new ExportService(repository, config, audit).zip();
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
